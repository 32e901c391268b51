// Runs asl-validator (pinned in package.json) on Amazon States Language definitions, one per line.
// stdin: one definition as JSON per line. stdout: one line per definition, in order:
// {"errors": [...], "containers": [...]} where `errors` are asl-validator's own ({"Error code",
// "Message", "schemaError"?}) and `containers` are the JSON pointers of the definition's `States`
// objects in the order asl-validator numbers them ("State machine fsm<N>" is containers[N - 1]);
// or {"crash": message} when the validator threw. Ends when stdin closes.
// twin_model/config/asl.py starts it once per process and turns the answers into one-line problems.
"use strict";

const path = require("path");
const readline = require("readline");

const validatorPath = require.resolve("asl-validator");
const near = { paths: [path.dirname(validatorPath)] };

// asl-validator builds a new Ajv for every definition, so its schemas compile each time (~0.5 s).
// The same options come every time, so each schema compiled once serves every later definition.
const ajvModule = require(require.resolve("ajv", near));
const Ajv = ajvModule.default;
const compiled = new Map();
class CompiledOnce extends Ajv {
  validate(schema, data) {
    if (typeof schema !== "string") return super.validate(schema, data);
    if (!compiled.has(schema)) compiled.set(schema, this.getSchema(schema));
    const check = compiled.get(schema);
    const valid = check(data);
    this.errors = check.errors;
    return valid;
  }
}
ajvModule.default = CompiledOnce;

const validate = require(validatorPath);
// The same JSONPath library and query asl-validator uses to number the state machines.
const { JSONPath } = require(require.resolve("jsonpath-plus", near));

function answer(line) {
  const definition = JSON.parse(line);
  try {
    const containers = JSONPath({ path: "$..['States']", json: definition, resultType: "pointer" });
    // asl-validator adds QueryLanguage to each state it is given: it gets a copy.
    const { errors } = validate(JSON.parse(line), { checkPaths: true, checkArn: true });
    return { errors, containers };
  } catch (error) {
    return { crash: String(error && error.message ? error.message : error) };
  }
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  if (line.trim()) process.stdout.write(JSON.stringify(answer(line)) + "\n");
});
