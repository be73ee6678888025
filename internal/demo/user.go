package demo

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/harp-rpc/harp/jsonrpc"
)

// Login is the parameter object of user.login, with the member names of the Zabbix API.
type Login struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// UserLogin serves user.login as the Zabbix API does, for JSON-RPC clients sending named params
// ({"username": "Admin", "password": "zabbix"}, Zabbix's default account, is the only account):
// it returns a 32-digit hexadecimal session token, the same for the same user, and refuses other
// credentials with Zabbix's error object (code -32602, the reason in data).
func UserLogin(l Login) (string, error) {
	if l.Username != "Admin" || l.Password != "zabbix" {
		return "", &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "Invalid params.",
			Data: "Incorrect user name or password or account is temporarily blocked."}
	}
	sum := sha256.Sum256([]byte("harp demo session " + l.Username))
	return hex.EncodeToString(sum[:16]), nil
}
