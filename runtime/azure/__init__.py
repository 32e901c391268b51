"""Azure Functions handlers (Python v2 programming model) over runtime/core; see docs/azure.md."""
