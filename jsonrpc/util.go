package jsonrpc

import "strconv"

func itoa(i int) string { return strconv.Itoa(i) }

func appendInt(dst []byte, n int) []byte { return strconv.AppendInt(dst, int64(n), 10) }
