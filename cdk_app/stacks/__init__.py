"""One stack per placed layer: CloudFormation on AWS, CDK Terrain elsewhere."""
