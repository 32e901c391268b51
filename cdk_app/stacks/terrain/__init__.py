"""CDK Terrain (Terraform) stacks for layers placed on Azure or Google Cloud."""
