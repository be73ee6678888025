-- POSTs JSON-RPC 2.0 add(2,3), as JSON-RPC clients send it.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}'
