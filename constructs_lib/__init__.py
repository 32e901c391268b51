"""Reusable constructs: aws/ (aws-cdk-lib), azure/ and gcp/ (CDK Terrain)."""
