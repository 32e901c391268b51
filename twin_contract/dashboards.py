"""Names the L5 stacks and the Grafana post-deploy steps agree on (docs/design.md §4, dashboards).

The stacks publish where Grafana reads the twin (stack outputs); the post-deploy step reads them,
provisions the data source and the twin's dashboard through the Grafana HTTP API.
"""

from __future__ import annotations

import re

READER_DATASOURCE_UID = "dt-hot-readers"  # the reader endpoints, through the Infinity plugin
TWINMAKER_DATASOURCE_UID = "dt-twinmaker"  # the TwinMaker app's data source (twin on AWS)
INFINITY_PLUGIN = "yesoreyeram-infinity-datasource"
TWINMAKER_PLUGIN = "grafana-iot-twinmaker-datasource"

# CloudFormation outputs of the AWS L5 stack <twin>-l5
AWS_GRAFANA_WORKSPACE_ID = "GrafanaWorkspaceId"
AWS_GRAFANA_ENDPOINT = "GrafanaEndpoint"
AWS_TWINMAKER_WORKSPACE_ID = "TwinMakerWorkspaceId"
AWS_TWINMAKER_DASHBOARD_ROLE = "TwinMakerDashboardRoleArn"
AWS_READER_URL = "DashboardReaderUrl"
AWS_READER_LAST_ENTRY_URL = "DashboardReaderLastEntryUrl"
AWS_READER_TOKEN_SECRET = "DashboardReaderTokenSecret"

# Terraform outputs of the Azure L5 stack, and the file written next to it
AZURE_READER_URL = "dashboard_reader_url"
AZURE_READER_LAST_ENTRY_URL = "dashboard_reader_last_entry_url"
AZURE_DATASOURCES_FILE = "grafana/datasources.json"


def dashboard_uid(twin_name: str) -> str:
    """The twin's one dashboard: a stable uid (Grafana allows 40 characters), so a re-run updates it."""
    return f"dt-{re.sub(r'[^A-Za-z0-9_-]', '-', twin_name)}"[:40]
