"""Google Cloud constructs (CDK Terrain): one construct per file, frozen dataclass props."""
