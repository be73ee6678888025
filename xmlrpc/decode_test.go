package xmlrpc

import (
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"
)

// resp wraps a value's content in a methodResponse document.
func resp(inner string) string {
	return "<?xml version=\"1.0\"?><methodResponse><params><param><value>" + inner +
		"</value></param></params></methodResponse>"
}

func decodeAny(t *testing.T, doc string) any {
	t.Helper()
	var v any
	if err := UnmarshalResponse([]byte(doc), &v); err != nil {
		t.Fatalf("UnmarshalResponse(%q): %v", doc, err)
	}
	return v
}

func bigInt(s string) *big.Int {
	n, _ := new(big.Int).SetString(s, 10)
	return n
}

// Vectors of CPython's test_load_standard_types and test_load_extension_types.
func TestDecodeStandardAndExtensionTypes(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{"string", "string"},
		{"<string>string</string>", "string"},
		{"<string>𝔘𝔫𝔦𝔠𝔬𝔡𝔢 string</string>", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 string"},
		{"<int>2056183947</int>", 2056183947},
		{"<int>-2056183947</int>", -2056183947},
		{"<i4>2056183947</i4>", 2056183947},
		{"<double>46093.78125</double>", 46093.78125},
		{"<boolean>0</boolean>", false},
		{"<boolean>1</boolean>", true},
		{"<base64>AGJ5dGUgc3RyaW5n/w==</base64>", []byte("\x00byte string\xff")},
		{"<dateTime.iso8601>20050210T11:41:23</dateTime.iso8601>", time.Date(2005, 2, 10, 11, 41, 23, 0, time.UTC)},
		{"<array><data><value><int>1</int></value><value><int>2</int></value></data></array>", []any{1, 2}},
		{"<struct><member><name>b</name><value><int>2</int></value></member>" +
			"<member><name>a</name><value><int>1</int></value></member></struct>", map[string]any{"a": 1, "b": 2}},
		// Extensions.
		{"<nil/>", nil},
		{"<ex:nil/>", nil},
		{"<i1>205</i1>", 205},
		{"<i2>20561</i2>", 20561},
		{"<ex:i1>7</ex:i1>", 7},
		{"<i8>9876543210</i8>", int64(9876543210)},
		{"<ex:i8>-9876543210</ex:i8>", int64(-9876543210)},
		{"<biginteger>98765432100123456789</biginteger>", bigInt("98765432100123456789")},
		{"<biginteger>42</biginteger>", int64(42)},
		{"<float>93.78125</float>", 93.78125},
		{"<ex:float>1.5</ex:float>", 1.5},
	}
	for _, tt := range tests {
		got := decodeAny(t, resp(tt.in))
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %#v (%T), want %#v (%T)", tt.in, got, got, tt.want, tt.want)
		}
	}
	// bigdecimal keeps every digit.
	bd := decodeAny(t, resp("<bigdecimal>9876543210.0123456789</bigdecimal>")).(*big.Float)
	if s := bd.Text('f', 10); s != "9876543210.0123456789" {
		t.Errorf("bigdecimal = %s", s)
	}
}

// Vectors of CPython's test_loads_unsupported: unknown types anywhere are errors.
func TestDecodeUnsupportedTypes(t *testing.T) {
	for _, in := range []string{
		"<spam/>",
		"<array><data><value><spam/></value></data></array>",
		"<struct><member><name>a</name><value><spam/></value></member>" +
			"<member><name>b</name><value><spam/></value></member></struct>",
	} {
		var v any
		err := UnmarshalResponse([]byte(resp(in)), &v)
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "unknown value type") {
			t.Errorf("%s: err = %v, want unknown value type", in, err)
		}
	}
}

// CPython's test_limit_int: a 5001-digit int or biginteger is refused, not parsed.
func TestDecodeLimitInt(t *testing.T) {
	s := strings.Repeat("1", 5001)
	for _, in := range []string{"<int>" + s + "</int>", "<biginteger>" + s + "</biginteger>", "<i8>" + s + "</i8>", "<double>" + s + "</double>"} {
		var v any
		err := UnmarshalResponse([]byte(resp(in)), &v)
		var le *LimitError
		if !errors.As(err, &le) || le.What != "digits" {
			t.Errorf("%.30s...: err = %v, want a digits LimitError", in, err)
		}
	}
}

func TestDecodeIntRanges(t *testing.T) {
	good := map[string]any{
		"<int>2147483647</int>":               2147483647,
		"<int>-2147483648</int>":              -2147483648,
		"<int> +12 </int>":                    12,
		"<i8>9223372036854775807</i8>":        int64(9223372036854775807),
		"<i8>-9223372036854775808</i8>":       int64(-9223372036854775808),
		"<int>000000000000000000000042</int>": 42,
	}
	for in, want := range good {
		if got := decodeAny(t, resp(in)); got != want {
			t.Errorf("%s = %#v, want %#v", in, got, want)
		}
	}
	// (<int> beyond 32 bits and <boolean>true</boolean> are dialects, read unless Strict: see
	// TestInputDialects.)
	for _, in := range []string{
		"<i8>9223372036854775808</i8>", "<int>9223372036854775808</int>",
		"<int>1.0</int>", "<int></int>", "<int>-</int>", "<int>0x10</int>", "<int>1 2</int>",
		"<boolean>yes</boolean>", "<boolean>2</boolean>", "<boolean/>", "<boolean>truefalse</boolean>",
		"<double>NaN</double>", "<double>inf</double>", "<double>0x1p3</double>", "<double>1e</double>",
		"<double>.</double>", "<double>1e400</double>",
		"<base64>!!!!</base64>", "<base64>QQ=</base64>",
		"<nil>x</nil>",
	} {
		var v any
		if err := UnmarshalResponse([]byte(resp(in)), &v); err == nil {
			t.Errorf("%s: decoded to %#v, want an error", in, v)
		}
	}
}

func TestDecodeStringsAndXML(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  two  words  ", "  two  words  "},          // untyped: white space kept
		{"<string>  padded\n</string>", "  padded\n"}, // typed: kept too
		{"<string/>", ""},                             // empty element
		{"", ""},                                      // <value></value>
		{"<string>a &lt; b &amp;&amp; c &gt; d &quot;&apos;</string>", `a < b && c > d "'`},
		{"<string>&#65;&#x42;&#x1F600;</string>", "AB😀"},
		{"<string><![CDATA[<not> & markup]]></string>", "<not> & markup"},
		{"<string>a<![CDATA[]]>b<!-- c -->c<?pi x?>d</string>", "abcd"},
		{"<![CDATA[untyped cdata]]>", "untyped cdata"},
		{"<string>line1\r\nline2\rline3</string>", "line1\nline2\nline3"},
		{"<string>keep&#13;cr</string>", "keep\rcr"},
		{"<string>]</string>", "]"},
		{"<string>tab\there</string>", "tab\there"},
	}
	for _, tt := range tests {
		if got := decodeAny(t, resp(tt.in)); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
	// <value/> is the empty string.
	if got := decodeAny(t, `<methodResponse><params><param><value/></param></params></methodResponse>`); got != "" {
		t.Errorf("<value/> = %#v", got)
	}
	bad := []string{
		"<string>&foo;</string>",
		"<string>&#0;</string>",
		"<string>&#xD800;</string>",
		"<string>&#1;</string>",
		"<string>&amp</string>",
		"<string>a\x01b</string>",
		"<string>\uFFFE</string>",
		"<string>ok \uFFFF</string>",
		"<string>&#xFFFE;</string>",
		"<string>]]></string>",
		"<string><![CDATA[x</string>",
		"<string>x</strin>",
		"<string>x",
		"text<int>1</int>",
	}
	for _, in := range bad {
		var v any
		if err := UnmarshalResponse([]byte(resp(in)), &v); err == nil {
			t.Errorf("%q: decoded to %#v, want an error", in, v)
		}
	}
}

func TestDecodeStructure(t *testing.T) {
	// Comments, PIs, attributes, white space and namespace prefixes between elements.
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<!-- leading comment -->
<methodResponse xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions">
  <params>
    <param>
      <value>
        <struct>
          <member><name>a</name><value><array><data/></array></value></member>
          <member>
            <name>b</name>
            <value><ex:nil/></value>
          </member>
          <member><name>a</name><value><array><data><value>x</value><!-- c --><value><ex:i8>5</ex:i8></value></data></array></value></member>
          <member><name>e</name><value><struct/></value></member>
          <member><name>f</name><value><array></array></value></member>
        </struct>
      </value>
    </param>
  </params>
</methodResponse>
<!-- trailing -->`
	got := decodeAny(t, doc)
	want := map[string]any{"a": []any{"x", int64(5)}, "b": nil, "e": map[string]any{}, "f": []any{}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
	// An empty <params/> leaves the target alone.
	v := any("untouched")
	if err := UnmarshalResponse([]byte(`<methodResponse><params/></methodResponse>`), &v); err != nil || v != "untouched" {
		t.Errorf("empty params: %v, %v", v, err)
	}
	bad := []string{
		`<methodResponse><params><param><value><int>1</int></value></param><param><value><int>2</int></value></param></params></methodResponse>`,
		`<methodResponse><params><param><value><int>1</int></value></param></params></methodResponse><x/>`,
		`<methodResponse><params><param><value><int>1</int></value></param></params></methodResponse>junk`,
		`<methodCall><params/></methodCall>`,
		`<methodResponse><bogus/></methodResponse>`,
		`<methodResponse><params><param><value><int>1</int><int>2</int></value></param></params></methodResponse>`,
		`<methodResponse><params><param><value><struct><member><value><int>1</int></value></member></struct></value></param></params></methodResponse>`,
		`<methodResponse><params><param><value><array><value><int>1</int></value></array></value></param></params></methodResponse>`,
		`<methodResponse><params><param><value><int a=1>1</int></value></param></params></methodResponse>`,
		`<methodResponse><params><param><value><int>1</int></value></param></params>`,
		``,
		`<?xml version="1.0"?>`,
	}
	for _, doc := range bad {
		var v any
		if err := UnmarshalResponse([]byte(doc), &v); err == nil {
			t.Errorf("%q: decoded to %#v, want an error", doc, v)
		}
	}
}

func TestDecodeDateTimeForms(t *testing.T) {
	utc := func(y, mo, d, h, mi, s, ns int) time.Time {
		return time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time
	}{
		{"19980717T14:08:55", utc(1998, 7, 17, 14, 8, 55, 0)},
		{"1998-07-17T14:08:55", utc(1998, 7, 17, 14, 8, 55, 0)},
		{"19980717T140855", utc(1998, 7, 17, 14, 8, 55, 0)},
		{" 19980717T14:08:55 ", utc(1998, 7, 17, 14, 8, 55, 0)},
		{"19980717T14:08:55.25", utc(1998, 7, 17, 14, 8, 55, 250000000)},
		{"1998-07-17T14:08:55.123456789Z", utc(1998, 7, 17, 14, 8, 55, 123456789)},
		{"19980717T14:08:55Z", utc(1998, 7, 17, 14, 8, 55, 0)},
		{"1998-07-17T16:08:55+02:00", utc(1998, 7, 17, 14, 8, 55, 0)},
		{"1998-07-17T09:38:55-0430", utc(1998, 7, 17, 14, 8, 55, 0)},
		{"00010210T11:41:23", utc(1, 2, 10, 11, 41, 23, 0)},
		{"20000229T00:00:00", utc(2000, 2, 29, 0, 0, 0, 0)},
	}
	for _, tt := range tests {
		got, ok := decodeAny(t, resp("<dateTime.iso8601>"+tt.in+"</dateTime.iso8601>")).(time.Time)
		if !ok || !got.Equal(tt.want) {
			t.Errorf("%s = %v, want %v", tt.in, got, tt.want)
		}
	}
	for _, in := range []string{"19980717", "1998071714:08:55", "19980717T14:08", "19981317T14:08:55",
		"19990229T00:00:00", "19980717T24:00:00", "19980717T14:08:60", "1998-0717T14:08:55",
		"19980717T14:08:55+25:00", "19980717T14:08:55.", "19980717T14:08:55 junk", ""} {
		var v any
		if err := UnmarshalResponse([]byte(resp("<dateTime.iso8601>"+in+"</dateTime.iso8601>")), &v); err == nil {
			t.Errorf("%q: decoded to %v, want an error", in, v)
		}
	}
	// A zone-less time is read in the configured location.
	loc := time.FixedZone("X", 3600)
	var got time.Time
	err := DecodeOptions{Location: loc}.UnmarshalResponse([]byte(resp("<dateTime.iso8601>19980717T14:08:55</dateTime.iso8601>")), &got)
	if err != nil || !got.Equal(time.Date(1998, 7, 17, 13, 8, 55, 0, time.UTC)) {
		t.Errorf("Location: %v %v", got, err)
	}
}

func TestDecodeBase64Whitespace(t *testing.T) {
	in := "<base64>\n  AGJ5dGUg\r\n  c3RyaW5n\t/w==\n</base64>"
	if got := decodeAny(t, resp(in)); !reflect.DeepEqual(got, []byte("\x00byte string\xff")) {
		t.Errorf("got %q", got)
	}
	if got := decodeAny(t, resp("<base64/>")); !reflect.DeepEqual(got, []byte{}) {
		t.Errorf("empty base64 = %#v", got)
	}
}

// Documents in other encodings (CPython's test_dump_encoding, plus Windows-1252 and UTF-16).
func TestDecodeEncodings(t *testing.T) {
	// ISO-8859-15: 0xA4 is the euro sign; a character outside it as a character reference.
	doc := []byte("<?xml version='1.0' encoding='iso-8859-15'?><methodCall><methodName>method&#8364;\xa4</methodName>" +
		"<params><param><value><struct><member><name>key\xa4&#164;</name><value><string>value\xa4&#164;</string></value></member></struct></value></param></params></methodCall>")
	c, err := DecodeCall(doc)
	if err != nil {
		t.Fatal(err)
	}
	if c.Method != "method€€" {
		t.Errorf("method = %q", c.Method)
	}
	ps, err := c.Params()
	if err != nil || !reflect.DeepEqual(ps, []any{map[string]any{"key€¤": "value€¤"}}) {
		t.Errorf("params = %#v, %v", ps, err)
	}
	// ISO-8859-1 and Windows-1252 differ at 0x80 (euro in 1252, a C1 control in 8859-1).
	for _, tc := range []struct {
		enc  string
		body string
		want string
	}{
		{"ISO-8859-1", "caf\xe9 \xa3", "café £"},
		{"windows-1252", "caf\xe9 \x80 \x96", "café € –"},
		{"latin1", "\xfc", "ü"},
	} {
		got := decodeAny(t, `<?xml version="1.0" encoding="`+tc.enc+`"?>`+resp("<string>" + tc.body + "</string>")[len(`<?xml version="1.0"?>`):])
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.enc, got, tc.want)
		}
	}
	// UTF-16 with a byte-order mark.
	u16 := []byte{0xFF, 0xFE}
	for _, r := range resp("<string>ok ✓</string>") {
		u16 = append(u16, byte(r), byte(r>>8))
	}
	if got := decodeAny(t, string(u16)); got != "ok ✓" {
		t.Errorf("UTF-16: %q", got)
	}
	// A UTF-8 byte-order mark is dropped.
	if got := decodeAny(t, "\xEF\xBB\xBF"+resp("x")); got != "x" {
		t.Errorf("BOM: %q", got)
	}
	var v any
	if err := UnmarshalResponse([]byte(`<?xml version="1.0" encoding="x-no-such"?>`+resp("x")[21:]), &v); err == nil {
		t.Error("unknown encoding accepted")
	}
	if err := UnmarshalResponse([]byte(resp("<string>\xff\xfe</string>")), &v); err == nil {
		t.Error("invalid UTF-8 accepted")
	}
}

func TestDecodeHostile(t *testing.T) {
	var v any
	// Any DOCTYPE is refused: billion laughs and external entities never get a chance.
	for _, doc := range []string{
		`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><methodResponse><params><param><value>&lol2;</value></param></params></methodResponse>`,
		`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><methodResponse><params><param><value>&x;</value></param></params></methodResponse>`,
		`<!doctype methodResponse><methodResponse/>`,
		resp(`<string><!DOCTYPE x></string>`),
	} {
		err := UnmarshalResponse([]byte(doc), &v)
		if err == nil || !strings.Contains(err.Error(), "DOCTYPE") {
			t.Errorf("%.60s: err = %v, want DOCTYPE refused", doc, err)
		}
	}
	// Depth: 100 nested arrays decode, 101 do not; 200,000 fail fast without exhausting the stack.
	nest := func(n int) string {
		return resp(strings.Repeat("<array><data><value>", n) + "<int>1</int>" + strings.Repeat("</value></data></array>", n))
	}
	if err := UnmarshalResponse([]byte(nest(DefaultMaxDepth)), &v); err != nil {
		t.Errorf("depth %d: %v", DefaultMaxDepth, err)
	}
	for _, n := range []int{DefaultMaxDepth + 1, 200000} {
		if err := UnmarshalResponse([]byte(nest(n)), &v); !errors.Is(err, ErrTooDeep) {
			t.Errorf("depth %d: err = %v, want ErrTooDeep", n, err)
		}
	}
	if err := (DecodeOptions{MaxDepth: 5}).UnmarshalResponse([]byte(nest(6)), &v); !errors.Is(err, ErrTooDeep) {
		t.Errorf("MaxDepth 5: %v", err)
	}
	// Size.
	big := []byte(resp("<string>" + strings.Repeat("a", 1000) + "</string>"))
	if err := (DecodeOptions{MaxSize: 100}).UnmarshalResponse(big, &v); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxSize: %v", err)
	}
	d := NewDecoder(strings.NewReader(string(big)))
	d.SetMaxSize(100)
	if err := d.DecodeResponse(&v); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Decoder MaxSize: %v", err)
	}
}

// The Decoder stops reading at the limit instead of loading the whole stream first.
func TestDecoderReadsThroughLimit(t *testing.T) {
	r := &countingReader{}
	d := NewDecoder(r)
	d.SetMaxSize(1 << 20)
	var v any
	if err := d.DecodeResponse(&v); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v", err)
	}
	if r.n > 3<<20 {
		t.Errorf("read %d bytes from an endless stream with a 1 MiB limit", r.n)
	}
}

type countingReader struct{ n int }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	r.n += len(p)
	return len(p), nil
}

// Vectors of CPython's test_dump_fault, and malformed faults.
func TestDecodeFault(t *testing.T) {
	doc, err := MarshalFault(&Fault{Code: 42, String: "Test Fault"})
	if err != nil {
		t.Fatal(err)
	}
	var v any
	err = UnmarshalResponse(doc, &v)
	var f *Fault
	if !errors.As(err, &f) || f.Code != 42 || f.String != "Test Fault" {
		t.Fatalf("err = %#v", err)
	}
	// A Fault sent as a parameter is just a struct.
	call, err := MarshalCall("m", Fault{Code: 42, String: "Test Fault"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := DecodeCall(call)
	if err != nil {
		t.Fatal(err)
	}
	ps, _ := c.Params()
	if !reflect.DeepEqual(ps, []any{map[string]any{"faultCode": 42, "faultString": "Test Fault"}}) {
		t.Errorf("fault as param = %#v", ps)
	}
	// Faults from other peers: i4 codes, untyped strings, member order.
	ok := `<methodResponse><fault><value><struct><member><name>faultString</name><value>boom</value></member>` +
		`<member><name>faultCode</name><value><i4>-32601</i4></value></member></struct></value></fault></methodResponse>`
	if err := UnmarshalResponse([]byte(ok), &v); !errors.As(err, &f) || f.Code != -32601 || f.String != "boom" {
		t.Errorf("ok fault: %v", err)
	}
	malformed := []string{
		`<fault><value><struct><member><name>faultCode</name><value><string>4</string></value></member><member><name>faultString</name><value>x</value></member></struct></value></fault>`,
		`<fault><value><struct><member><name>faultCode</name><value><int>4</int></value></member><member><name>faultString</name><value>x</value></member><member><name>extra</name><value>y</value></member></struct></value></fault>`,
		`<fault><value><struct><member><name>faultCode</name><value><int>4</int></value></member></struct></value></fault>`,
		`<fault><value><struct><member><name>faultString</name><value>x</value></member></struct></value></fault>`,
		`<fault><value><struct><member><name>faultCode</name><value><int>4</int></value></member><member><name>faultString</name><value><int>5</int></value></member></struct></value></fault>`,
		`<fault><value><array><data/></array></value></fault>`,
		`<fault></fault>`,
		`<fault/>`,
		`<fault><struct/></fault>`,
	}
	for _, m := range malformed {
		err := UnmarshalResponse([]byte("<methodResponse>"+m+"</methodResponse>"), &v)
		if err == nil || errors.As(err, &f) {
			t.Errorf("%s: err = %v, want a decoding error, not a Fault", m, err)
		}
	}
}

func TestDecodeCall(t *testing.T) {
	doc := `<?xml version="1.0"?>
<methodCall>
  <methodName> examples.getStateName </methodName>
  <params>
    <param><value><i4>41</i4></value></param>
    <param><value>text</value></param>
  </params>
</methodCall>`
	c, err := DecodeCall([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if c.Method != "examples.getStateName" || c.NumParams() != 2 {
		t.Fatalf("call = %q with %d params", c.Method, c.NumParams())
	}
	var n int32
	var s string
	if err := c.DecodeParam(0, &n); err != nil || n != 41 {
		t.Errorf("param 0 = %d, %v", n, err)
	}
	if err := c.DecodeParam(1, &s); err != nil || s != "text" {
		t.Errorf("param 1 = %q, %v", s, err)
	}
	if err := c.DecodeParam(2, &s); err == nil {
		t.Error("param 2 decoded")
	}
	for _, d := range []string{
		`<methodCall><methodName>m</methodName></methodCall>`,
		`<methodCall><methodName>m</methodName><params/></methodCall>`,
		`<methodCall><methodName>m</methodName><params></params></methodCall>`,
	} {
		c, err := DecodeCall([]byte(d))
		if err != nil || c.NumParams() != 0 {
			t.Errorf("%s: %v", d, err)
		}
	}
	// The whole call is checked before any parameter is bound.
	for _, d := range []string{
		`<methodCall><methodName></methodName></methodCall>`,
		`<methodCall><methodName/><params/></methodCall>`,
		`<methodCall><params/></methodCall>`,
		`<methodCall><methodName>m</methodName><params><param><value><int>1</int></value></param><param><value><int>x</int></value></param></params></methodCall>`,
		`<methodCall><methodName>m</methodName><params><param><value><int>1</int></value></param>`,
		`<methodResponse><params/></methodResponse>`,
		`<methodCall><methodName>m</methodName><params><value><int>1</int></value></params></methodCall>`,
	} {
		if _, err := DecodeCall([]byte(d)); err == nil {
			t.Errorf("%s: accepted", d)
		}
	}
}

type inner struct {
	ID   int    `xmlrpc:"id"`
	Name string `xmlrpc:"name"`
}

type Embedded struct {
	Zone string `xmlrpc:"zone"`
}

type outer struct {
	Embedded
	Rows    []inner        `xmlrpc:"rows"`
	Skipped string         `xmlrpc:"-"`
	Title   string         // matched case-insensitively
	Extra   map[string]int `xmlrpc:"extra,omitempty"`
	Ptr     *inner         `xmlrpc:"ptr"`
	Any     any            `xmlrpc:"any"`
	Fixed   [2]int         `xmlrpc:"fixed"`
}

func TestDecodeIntoStructs(t *testing.T) {
	doc := resp(`<struct>
		<member><name>zone</name><value>eu</value></member>
		<member><name>rows</name><value><array><data>
			<value><struct><member><name>id</name><value><int>1</int></value></member><member><name>name</name><value>a</value></member></struct></value>
			<value><struct><member><name>ID</name><value><int>2</int></value></member><member><name>unknown</name><value>?</value></member></struct></value>
		</data></array></value></member>
		<member><name>Skipped</name><value>no</value></member>
		<member><name>title</name><value>first</value></member>
		<member><name>TITLE</name><value>last wins</value></member>
		<member><name>extra</name><value><struct><member><name>k</name><value><int>7</int></value></member></struct></value></member>
		<member><name>ptr</name><value><struct><member><name>id</name><value><i8>3</i8></value></member></struct></value></member>
		<member><name>any</name><value><array><data><value><boolean>1</boolean></value></data></array></value></member>
		<member><name>fixed</name><value><array><data><value><int>9</int></value></data></array></value></member>
	</struct>`)
	var got outer
	if err := UnmarshalResponse([]byte(doc), &got); err != nil {
		t.Fatal(err)
	}
	want := outer{
		Embedded: Embedded{Zone: "eu"},
		Rows:     []inner{{1, "a"}, {2, ""}},
		Title:    "last wins",
		Extra:    map[string]int{"k": 7},
		Ptr:      &inner{ID: 3},
		Any:      []any{true},
		Fixed:    [2]int{9, 0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	// Unknown members are errors on request.
	err := DecodeOptions{DisallowUnknownFields: true}.UnmarshalResponse([]byte(doc), &got)
	var ue *UnknownMemberError
	if !errors.As(err, &ue) || ue.Path != "rows[1].unknown" {
		t.Errorf("DisallowUnknownFields: %v", err)
	}
	// nil into a pointer clears it.
	p := &inner{ID: 1}
	if err := UnmarshalResponse([]byte(resp("<nil/>")), &p); err != nil || p != nil {
		t.Errorf("nil into pointer: %v %v", p, err)
	}
}

func TestDecodeTypeErrorsNamePath(t *testing.T) {
	type row struct {
		ID int32 `xmlrpc:"id"`
	}
	type req struct {
		Rows []row `xmlrpc:"rows"`
	}
	call := `<methodCall><methodName>m</methodName><params><param><value><struct><member><name>rows</name><value><array><data>` +
		strings.Repeat(`<value><struct><member><name>id</name><value><int>1</int></value></member></struct></value>`, 3) +
		`<value><struct><member><name>id</name><value><i8>9876543210</i8></value></member></struct></value>` +
		`</data></array></value></member></struct></value></param></params></methodCall>`
	c, err := DecodeCall([]byte(call))
	if err != nil {
		t.Fatal(err)
	}
	var r req
	err = c.DecodeParam(0, &r)
	var te *UnmarshalTypeError
	if !errors.As(err, &te) || te.Path != "params[0].rows[3].id" || te.Type != reflect.TypeFor[int32]() {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "params[0].rows[3].id") {
		t.Errorf("message lacks the path: %v", err)
	}
	cases := []struct {
		in     string
		target any
	}{
		{"<string>5</string>", new(int)},
		{"<int>5</int>", new(string)},
		{"<int>300</int>", new(int8)},
		{"<int>-1</int>", new(uint)},
		{"<double>1.5</double>", new(bool)},
		{"<array><data/></array>", new(map[string]any)},
		{"<struct/>", new([]int)},
		{"<array><data><value>a</value><value>b</value><value>c</value></data></array>", new([2]string)},
		{"<int>1</int>", new(time.Time)},
		{"<string>x</string>", new([]byte)},
		{"<double>1e300</double>", new(float32)},
		{"<int>1</int>", new(chan int)},
		{"<int>1</int>", new(error)},
	}
	for _, tc := range cases {
		err := UnmarshalResponse([]byte(resp(tc.in)), tc.target)
		if !errors.As(err, &te) {
			t.Errorf("%s into %T: err = %v, want UnmarshalTypeError", tc.in, tc.target, err)
		}
	}
	// Invalid targets.
	var ie *InvalidUnmarshalError
	var x int
	if err := UnmarshalResponse([]byte(resp("<int>1</int>")), x); !errors.As(err, &ie) {
		t.Errorf("non-pointer: %v", err)
	}
	if err := Unmarshal([]byte("<value>1</value>"), (*int)(nil)); !errors.As(err, &ie) {
		t.Errorf("nil pointer: %v", err)
	}
}

func TestDecodeNumericConversions(t *testing.T) {
	var f float64
	if err := UnmarshalResponse([]byte(resp("<int>7</int>")), &f); err != nil || f != 7 {
		t.Errorf("int into float64: %v %v", f, err)
	}
	var i64 int64
	if err := UnmarshalResponse([]byte(resp("<biginteger>123</biginteger>")), &i64); err != nil || i64 != 123 {
		t.Errorf("biginteger into int64: %v %v", i64, err)
	}
	var bi *big.Int
	if err := UnmarshalResponse([]byte(resp("<biginteger>-98765432100123456789</biginteger>")), &bi); err != nil || bi.String() != "-98765432100123456789" {
		t.Errorf("biginteger into *big.Int: %v %v", bi, err)
	}
	var u8 uint8
	if err := UnmarshalResponse([]byte(resp("<i4>255</i4>")), &u8); err != nil || u8 != 255 {
		t.Errorf("i4 into uint8: %v %v", u8, err)
	}
}

type celsius float64

func (c *celsius) UnmarshalXMLRPC(v any) error {
	s, ok := v.(string)
	if !ok || !strings.HasSuffix(s, "C") {
		return errors.New("want a string like 21.5C")
	}
	var f float64
	if err := Unmarshal([]byte("<value><double>"+strings.TrimSuffix(s, "C")+"</double></value>"), &f); err != nil {
		return err
	}
	*c = celsius(f)
	return nil
}

func (c celsius) MarshalXMLRPC() (any, error) {
	b := appendFloat(nil, float64(c))
	return string(b) + "C", nil
}

func TestMarshalerUnmarshaler(t *testing.T) {
	type reading struct {
		Temp celsius `xmlrpc:"temp"`
	}
	b, err := Marshal(reading{Temp: 21.5})
	if err != nil {
		t.Fatal(err)
	}
	if want := "<value><struct><member><name>temp</name><value><string>21.5C</string></value></member></struct></value>"; string(b) != want {
		t.Errorf("Marshal = %s", b)
	}
	var r reading
	if err := Unmarshal(b, &r); err != nil || r.Temp != 21.5 {
		t.Errorf("Unmarshal = %v, %v", r, err)
	}
	if err := Unmarshal([]byte("<value><struct><member><name>temp</name><value><int>3</int></value></member></struct></value>"), &r); err == nil {
		t.Error("Unmarshaler error swallowed")
	}
}

// Errors tell XML that is not well-formed (parse error) from well-formed XML that is not valid
// XML-RPC (invalid request), so servers can answer with the right fault code.
func TestErrorClasses(t *testing.T) {
	invalid := []string{
		`<methodResponse><params/></methodResponse>`,
		`<methodCall><methodName></methodName></methodCall>`,
		`<methodCall><methodName>m</methodName><params><param><value><spam/></value></param></params></methodCall>`,
		`<methodCall><methodName>m</methodName><params><param><value><int>x</int></value></param></params></methodCall>`,
		`<methodCall><methodName>m</methodName><params><value><int>1</int></value></params></methodCall>`,
		`<methodCall><methodName>m</methodName><foo/></methodCall>`,
	}
	for _, doc := range invalid {
		_, err := DecodeCall([]byte(doc))
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", doc, err)
		}
	}
	notWellFormed := []string{
		`<methodCall><methodName>m</methodName>`,
		`<methodCall><methodName>m</methodName></methodCall><x/>`,
		`<methodCall><methodName>m&bogus;</methodName></methodCall>`,
		`<methodCall><methodName>m</methodNam></methodCall>`,
		"<methodCall><methodName>\xff</methodName></methodCall>",
	}
	for _, doc := range notWellFormed {
		_, err := DecodeCall([]byte(doc))
		var se *SyntaxError
		if !errors.As(err, &se) || errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want a plain SyntaxError", doc, err)
		}
	}
	_, err := DecodeCall([]byte(`<!DOCTYPE x><methodCall/>`))
	if !errors.Is(err, ErrDoctype) {
		t.Errorf("DOCTYPE: %v does not wrap ErrDoctype", err)
	}
	err = UnmarshalResponse([]byte(`<methodResponse><fault><value><int>1</int></value></fault></methodResponse>`), nil)
	if !errors.Is(err, ErrNotFault) {
		t.Errorf("malformed fault: %v does not wrap ErrNotFault", err)
	}
}

// Recursive types decode through the decoder cache's placeholder, and a byte slice also takes an
// array of small ints.
func TestDecodeRecursiveTypesAndByteArrays(t *testing.T) {
	type node struct {
		Name string           `xmlrpc:"name"`
		Kids []node           `xmlrpc:"kids"`
		Next *node            `xmlrpc:"next"`
		Tags map[string]*node `xmlrpc:"tags"`
	}
	in := node{Name: "a", Kids: []node{{Name: "b"}}, Next: &node{Name: "c"}, Tags: map[string]*node{"t": {Name: "d"}}}
	b, err := Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out node
	if err := Unmarshal(b, &out); err != nil || out.Kids[0].Name != "b" || out.Next.Name != "c" || out.Tags["t"].Name != "d" {
		t.Fatalf("%+v %v", out, err)
	}
	var bs []byte
	if err := Unmarshal([]byte(`<value><array><data><value><int>1</int></value><value><int>255</int></value></data></array></value>`), &bs); err != nil || !reflect.DeepEqual(bs, []byte{1, 255}) {
		t.Errorf("array into []byte: %v %v", bs, err)
	}
}
