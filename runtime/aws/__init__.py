"""AWS Lambda handlers: adapt Lambda events to the core (handler strings `runtime.aws.<module>.handler`)."""
