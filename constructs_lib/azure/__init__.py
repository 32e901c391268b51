"""CDK Terrain constructs for the layers placed on Azure (azurerm provider), one construct per file."""
