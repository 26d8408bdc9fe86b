// Reads a JSON document on stdin, validates it as an Argo WorkflowTemplate.
import { WorkflowTemplate } from "@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/WorkflowTemplate";
let input = "";
for await (const chunk of process.stdin) input += chunk;
const doc = JSON.parse(input);
try {
  new WorkflowTemplate(doc).validate();
  console.log("valid WorkflowTemplate");
} catch (e) {
  console.error(String(e.message || e));
  if (e.errors) console.error(JSON.stringify(e.errors, null, 1));
  process.exit(1);
}
