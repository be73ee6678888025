-- POSTs XML-RPC add(2,3), as every XML-RPC client sends it.
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/xml"
wrk.body = '<?xml version="1.0"?><methodCall><methodName>add</methodName><params><param><value><int>2</int></value></param><param><value><int>3</int></value></param></params></methodCall>'
