// The official DTDL parser (Microsoft's .NET DTDLParser compiled to WebAssembly, npm
// @digicatapult/dtdl-parser) over one array of DTDL models: stdin is the array as JSON, the last line
// of stdout one JSON result (docs/design.md §3a):
//   {"ok": true, "version": ..., "model": {entity id: entity}}            the parsed object model
//   {"ok": false, "kind": "Parsing", "errors": [{PrimaryID, Property, Cause, Action, ...}]}
//   {"ok": false, "kind": "Resolution", "undefined": [dtmi, ...]}       referenced, defined nowhere
//   {"ok": false, "kind": "Internal", "message": ...}
// The process exits as soon as the result is written: the .NET runtime keeps timers alive otherwise.
import { getInterop } from '@digicatapult/dtdl-parser'

// Texts the checks after the parser never read: dropped so that a large ontology's model travels light.
const DROPPED = ['description', 'displayName', 'comment', 'SupplementalTypes', 'SupplementalProperties',
  'UndefinedTypes', 'UndefinedProperties', 'ClassId', 'ChildOf', 'DefinedIn', 'extendedBy']

const finish = (result) => process.stdout.write('\n' + JSON.stringify(result) + '\n', () => process.exit(0))

const readStdin = async () => {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf-8')
}

const modelingError = (error) => {
  try {
    const detail = JSON.parse(error.message)
    if (detail.ExceptionKind === 'Parsing') return { ok: false, kind: 'Parsing', errors: detail.Errors }
    if (detail.ExceptionKind === 'Resolution') return { ok: false, kind: 'Resolution', undefined: detail.UndefinedIdentifiers }
  } catch {
    // not one of the parser's modeling exceptions
  }
  return { ok: false, kind: 'Internal', message: String(error && error.message ? error.message : error) }
}

try {
  const text = await readStdin()
  const parser = await getInterop()
  let parsed
  try {
    parsed = JSON.parse(parser.parse(text))
  } catch (error) {
    finish(modelingError(error))
  }
  if (parsed !== undefined) {
    for (const entity of Object.values(parsed)) for (const key of DROPPED) delete entity[key]
    finish({ ok: true, version: parser.parserVersion(), model: parsed })
  }
} catch (error) {
  finish({ ok: false, kind: 'Internal', message: String(error && error.message ? error.message : error) })
}
