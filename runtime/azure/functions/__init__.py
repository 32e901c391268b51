"""One blueprint per function; `runtime/azure/function_app.py` registers those named in DT_FUNCTIONS."""
