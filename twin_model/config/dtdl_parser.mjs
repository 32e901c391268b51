// The official DTDL parser (Microsoft's .NET DTDLParser compiled to WebAssembly, npm
// @digicatapult/dtdl-parser) over arrays of DTDL models: stdin is a JSON array of the models arrays'
// JSON texts, the last line of stdout a JSON array of one result each (docs/design.md §3a):
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

const parseOne = (parser, text) => {
  let parsed
  try {
    parsed = JSON.parse(parser.parse(text))
  } catch (error) {
    return modelingError(error)
  }
  for (const entity of Object.values(parsed)) for (const key of DROPPED) delete entity[key]
  return { ok: true, version: parser.parserVersion(), model: parsed }
}

try {
  const texts = JSON.parse(await readStdin())
  const parser = await getInterop()
  finish(texts.map((text) => parseOne(parser, text)))
} catch (error) {
  finish({ ok: false, kind: 'Internal', message: String(error && error.message ? error.message : error) })
}
