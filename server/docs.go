package server

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// docCache holds the rendered documentation page for one registry version.
type docCache struct {
	mu      sync.Mutex
	version uint64
	page    []byte
}

type docMethod struct {
	Name      string
	Signature string
	Help      string
}

var docTemplate = template.Must(template.New("docs").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}
dt{font-family:monospace;font-size:1.1em;margin-top:1em}dd{margin:.3em 0 0 2em;white-space:pre-wrap}
.sig{color:#555}pre{background:#f4f4f4;padding:.5em;overflow-x:auto}</style></head>
<body><h1>{{.Title}}</h1>
<p>{{len .Methods}} methods, with introspection (system.listMethods, system.methodHelp,
system.methodSignature) and system.multicall, over two protocols.</p>
{{if .XMLPaths}}<p>XML-RPC: POST a methodCall with Content-Type text/xml to {{.XMLPaths}}.</p>
<pre>{{.XMLExample}}</pre>{{end}}
{{if .JSONPaths}}<p>JSON-RPC 2.0: POST a request, a notification or a batch with Content-Type
application/json to {{.JSONPaths}}. Params are positional (an array) or named (an object, which
binds to a method's single struct or map parameter). Binary values travel as base64 strings,
times as RFC 3339 strings, 64-bit integers as exact numbers.</p>
<pre>{{.JSONExample}}</pre>{{end}}
<dl>{{range .Methods}}
<dt id="{{.Name}}"><a href="#{{.Name}}">{{.Name}}</a> <span class="sig">{{.Signature}}</span></dt>
<dd>{{if .Help}}{{.Help}}{{else}}<em>no help text</em>{{end}}</dd>{{end}}
</dl></body></html>
`))

// page returns the documentation page, rendering it again only after a registration.
func (s *Server) page() []byte {
	var v uint64
	var ms []*rpc.Method
	lister, ok := s.d.(rpc.MethodLister)
	if ok {
		v = lister.Version()
	}
	s.docs.mu.Lock()
	defer s.docs.mu.Unlock()
	if s.docs.page != nil && s.docs.version == v {
		return s.docs.page
	}
	if ok {
		ms = lister.Methods()
	}
	data := struct {
		Title                   string
		XMLPaths, JSONPaths     string
		XMLExample, JSONExample string
		Methods                 []docMethod
	}{
		Title:     s.cfg.Title,
		XMLPaths:  joinPaths(append(append([]string(nil), s.cfg.Paths...), s.cfg.XMLRPCPaths...)),
		JSONPaths: joinPaths(append(append([]string(nil), s.cfg.Paths...), s.cfg.JSONRPCPaths...)),
	}
	example := rpc.MethodListMethods
	for _, m := range ms {
		data.Methods = append(data.Methods, docMethod{Name: m.Name(), Signature: signatureText(m), Help: m.Help()})
		if example == rpc.MethodListMethods && !strings.HasPrefix(m.Name(), "system.") {
			example = m.Name()
		}
	}
	// The examples ask for the help of the first method: a call every server answers.
	data.XMLExample = `<?xml version="1.0"?>
<methodCall><methodName>system.methodHelp</methodName>
<params><param><value><string>` + template.HTMLEscapeString(example) + `</string></value></param></params></methodCall>`
	data.JSONExample = `{"jsonrpc": "2.0", "method": "system.methodHelp", "params": [` + strconv.Quote(example) + `], "id": 1}`
	var b bytes.Buffer
	if err := docTemplate.Execute(&b, data); err != nil {
		s.log.Error("server: rendering the documentation page", "err", err)
		return []byte("documentation unavailable\n")
	}
	s.docs.version, s.docs.page = v, b.Bytes()
	return s.docs.page
}

// signatureText writes a signature as "(int a1, string a2...) → struct".
func signatureText(m *rpc.Method) string {
	sig := m.Signature(xmlrpc.TypeName)
	var b strings.Builder
	b.WriteByte('(')
	for i, t := range sig[1:] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(t)
		if m.Variadic() && i == len(sig)-2 {
			b.WriteString("...")
		}
	}
	b.WriteString(") → ")
	b.WriteString(sig[0])
	return b.String()
}

var htmlHeader = []string{"text/html; charset=utf-8"}

func (s *Server) serveDocs(w http.ResponseWriter, r *http.Request) {
	page := s.page()
	h := w.Header()
	h["Content-Type"] = htmlHeader
	h["X-Content-Type-Options"] = noSniff
	h["Content-Length"] = []string{strconv.Itoa(len(page))}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(page)
	}
}
