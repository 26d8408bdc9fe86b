"""Validates an Argo WorkflowTemplate (YAML file) with python jsonschema against the JSON schema of hera's
WorkflowTemplate model (hera's pydantic models are generated from Argo Workflows' OpenAPI spec, itself made from
the Go API types). Prints the errors (path: message) and exits 1 when there are any."""
import sys

import jsonschema
import yaml
from hera.workflows.models import WorkflowTemplate

schema = WorkflowTemplate.model_json_schema(by_alias=True)
with open(sys.argv[1], encoding="utf-8") as f:
    doc = yaml.safe_load(f)
errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=lambda e: e.json_path)
for e in errors:
    print(f"{e.json_path}: {e.message[:200]}")
if errors:
    sys.exit(1)
print(f"{sys.argv[1]}: valid WorkflowTemplate")
