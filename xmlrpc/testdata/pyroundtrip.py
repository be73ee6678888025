"""CPython side of harp's xmlrpc round-trip tests.

  pyroundtrip.py loads   < document      decode with xmlrpc.client.loads, print tagged JSON
  pyroundtrip.py dumps                   print JSON {"cases": [{"xml": ..., "want": tagged}]}

Tagged JSON is [type, payload] for every value so that ints, floats, bytes and datetimes cannot be
confused: nil, bool, int (decimal string), double, string, base64, dateTime, array, struct,
bigdecimal.
"""
import base64
import datetime
import decimal
import json
import sys
import xmlrpc.client as xc


def tag(v):
    if v is None:
        return ["nil", None]
    if isinstance(v, bool):
        return ["bool", v]
    if isinstance(v, int):
        return ["int", str(v)]
    if isinstance(v, float):
        return ["double", v]
    if isinstance(v, str):
        return ["string", v]
    if isinstance(v, (bytes, bytearray)):
        return ["base64", base64.b64encode(bytes(v)).decode()]
    if isinstance(v, datetime.datetime):
        return ["dateTime", v.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0")]
    if isinstance(v, decimal.Decimal):
        return ["bigdecimal", str(v)]
    if isinstance(v, (list, tuple)):
        return ["array", [tag(x) for x in v]]
    if isinstance(v, dict):
        return ["struct", {k: tag(x) for k, x in v.items()}]
    raise TypeError(type(v))


VALUES = [
    None, True, False, 0, 1, -1, 2**31 - 1, -2**31, 1.5, 0.1 + 0.2, 1e-7, 5e-324, 1e300,
    "", "plain", "  spaced  ", "unicode \u2713 \U0001d518", "a<b>&c ]]>", "cr\rlf\ncrlf\r\n", "tab\t",
    b"", b"\x00\xff binary", bytearray(b"ba"),
    datetime.datetime(1998, 7, 17, 14, 8, 55), datetime.datetime(1, 2, 10, 11, 41, 23),
    [1, "two", [3.0, []]], {"a": 1, "nested": {"b": [None]}, "": "empty key"}, {"ukey\u4000": "v"},
    {"astring": "foo@bar.baz.spam", "afloat": 7283.43, "anint": 2**20, "anotherlist": [".zyx.41"],
     "b64bytes": b"my dog has fleas", "boolean": False, "unicode": "\u4000\u6000\u8000"},
]


def main():
    if sys.argv[1] == "loads":
        params, method = xc.loads(sys.stdin.buffer.read(), use_builtin_types=True)
        json.dump({"method": method, "params": [tag(p) for p in params]}, sys.stdout)
    elif sys.argv[1] == "dumps":
        cases = []
        for v in VALUES:
            doc = xc.dumps((v,), methodresponse=True, allow_none=True)
            # The value CPython itself reads back: it writes CR unescaped, so XML line-end
            # normalisation turns it into LF for every conforming parser, its own included.
            (back,), _ = xc.loads(doc, use_builtin_types=True)
            cases.append({"xml": doc, "want": tag(back), "lossless": tag(back) == tag(v)})
        # A call, and documents in another encoding as test_dump_encoding writes them.
        value = {"key\u20ac\xa4": "value\u20ac\xa4"}
        for enc in ("iso-8859-15", "iso-8859-1", "utf-8"):
            doc = xc.dumps((value, 42), methodname="method\u20ac", encoding=enc, allow_none=True)
            cases.append({"xml_b64": base64.b64encode(doc.encode(enc, "xmlcharrefreplace")).decode(),
                          "method": "method\u20ac", "want": ["array", [tag(value), tag(42)]]})
        json.dump({"cases": cases}, sys.stdout)


main()
