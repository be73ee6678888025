package supervisord_test

import (
	"errors"
	"fmt"

	"github.com/harp-rpc/harp/supervisord"
	"github.com/harp-rpc/harp/xmlrpc"
)

// A fault answered by supervisord is matched by its code with errors.Is, and read with errors.As.
func ExampleFault() {
	// What Client.StopProcess returns when supervisord answers NOT_RUNNING (code 70).
	var err error = &supervisord.Fault{Method: "supervisor.stopProcess", Code: supervisord.NotRunning, Detail: "web"}
	fmt.Println(errors.Is(err, supervisord.NotRunning), errors.Is(err, supervisord.BadName))
	var f *supervisord.Fault
	if errors.As(err, &f) {
		fmt.Println(f.Code.String(), int(f.Code), f.Detail)
	}
	fmt.Println(err)
	// Output:
	// true false
	// NOT_RUNNING 70 web
	// supervisord: supervisor.stopProcess: NOT_RUNNING: web
}

// ProcessResult.Err turns a group method's per-process status into an error.
func ExampleProcessResult_Err() {
	rs := []supervisord.ProcessResult{
		{Name: "web_0", Group: "web", Status: supervisord.Success, Description: "OK"},
		{Name: "web_1", Group: "web", Status: supervisord.SpawnError, Description: "SPAWN_ERROR"},
	}
	for _, r := range rs {
		fmt.Println(r.Err())
	}
	// Output:
	// <nil>
	// supervisord: web:web_1: SPAWN_ERROR: SPAWN_ERROR
}

// A process state has supervisord's name and says which of its families it is in.
func ExampleProcessState() {
	for _, s := range []supervisord.ProcessState{supervisord.Starting, supervisord.Running, supervisord.Fatal} {
		fmt.Println(s, s.Running(), s.Stopped())
	}
	s, ok := supervisord.ParseProcessState("BACKOFF")
	fmt.Println(int(s), ok)
	// Output:
	// STARTING true false
	// RUNNING true false
	// FATAL false true
	// 30 true
}

// IsFault tells a fault from a transport failure; code that only knows xmlrpc sees the wire fault.
func ExampleIsFault() {
	err := fmt.Errorf("restarting: %w", &supervisord.Fault{Code: supervisord.SpawnError})
	var wire *xmlrpc.Fault
	fmt.Println(supervisord.IsFault(err), errors.As(err, &wire))
	// Output:
	// true true
}
