// Node's xmlrpc package (npm) against a harp server started by interop_test.go.
// Usage: node nodeclient.js PORT. Exits 0 after every check passed, 1 with the failure otherwise.
const xmlrpc = require('xmlrpc');
const assert = require('assert');

const client = xmlrpc.createClient({ host: '127.0.0.1', port: Number(process.argv[2]), path: '/RPC2' });
const call = (method, params) => new Promise((resolve, reject) =>
  client.methodCall(method, params, (err, value) => (err ? reject(err) : resolve(value))));

async function main() {
  assert.strictEqual(await call('add', [2, 3]), 5);
  const when = new Date(Date.UTC(1998, 6, 17, 14, 8, 55));
  for (const v of ['unicode ☃ <&>', 1.5, true, false, [1, 'two', [3]], { k: { n: [1, 2] } }, '']) {
    assert.deepStrictEqual(await call('echo', [v]), v);
  }
  assert.strictEqual((await call('echo', [when])).getTime(), new Date(1998, 6, 17, 14, 8, 55).getTime());
  assert.deepStrictEqual(await call('echo', [Buffer.from([0, 1, 255])]), Buffer.from([0, 1, 255]));
  assert.strictEqual(await call('echo', [null]), null);
  const rec = await call('record', [{ name: 'n', count: 1 }]);
  assert.strictEqual(rec.count, 2);
  await assert.rejects(call('nope', []), (e) => e.code === -32601 && e.faultCode === -32601);
  await assert.rejects(call('add', [1]), (e) => e.faultCode === -32602);
  await assert.rejects(call('div', [1.5, 0.0]), (e) => e.faultCode === 500 && /division by zero/.test(e.faultString));
  const names = await call('system.listMethods', []);
  assert.ok(names.includes('system.multicall') && names.includes('add'));
  assert.deepStrictEqual(await call('system.methodSignature', ['div']), [['double', 'double', 'double']]);
  const mc = await call('system.multicall', [[{ methodName: 'add', params: [1, 2] }, { methodName: 'nope', params: [] }]]);
  assert.deepStrictEqual(mc[0], [3]);
  assert.strictEqual(mc[1].faultCode, -32601);
  // 64 calls at once.
  const all = await Promise.all([...Array(64).keys()].map((i) => call('add', [i, i])));
  all.forEach((v, i) => assert.strictEqual(v, 2 * i));
  console.log('ok');
}

main().catch((e) => { console.error(e); process.exit(1); });
