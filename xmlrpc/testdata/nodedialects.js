// nodedialects.js: what Node's xmlrpc and davexmlrpc packages write and read, for
// dialect_peers_test.go. "write" prints the calls each library serializes for the same values;
// "read" parses the call on stdin with each library and prints its parameters as JSON (dates as
// ISO strings with milliseconds).
const mode = process.argv[2];
const nodeXmlrpc = (() => { try { return require('xmlrpc'); } catch (e) { return null; } })();
const dave = (() => { try { return require('davexmlrpc'); } catch (e) { return null; } })();
const values = [5000000000, -5000000000, true, false, 2.5];

function plain(v) {
  if (v instanceof Date) return {date: v.toISOString()};
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

if (mode === 'write') {
  const out = {};
  if (nodeXmlrpc) out.xmlrpc = require('xmlrpc/lib/serializer').serializeMethodCall('m', values);
  if (dave) out.davexmlrpc = dave.buildCall('m', values, 'xml');
  console.log(JSON.stringify(out));
} else if (mode === 'read') {
  const chunks = [];
  process.stdin.on('data', (c) => chunks.push(c));
  process.stdin.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    const out = {};
    const done = () => {
      if ((!nodeXmlrpc || 'xmlrpc' in out) && (!dave || 'davexmlrpc' in out)) console.log(JSON.stringify(out));
    };
    if (nodeXmlrpc) {
      const Deserializer = require('xmlrpc/lib/deserializer');
      const { Readable } = require('stream');
      new Deserializer().deserializeMethodCall(Readable.from([text]), (err, method, params) => {
        out.xmlrpc = err ? {error: String(err)} : plain(params);
        done();
      });
    }
    if (dave) {
      dave.server(text, (err, verb, params) => {
        out.davexmlrpc = err ? {error: String(err.message || err)} : plain(params);
        done();
      });
    }
  });
}
