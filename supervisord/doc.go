// Package supervisord is a typed client of supervisord's whole XML-RPC interface, over harp's
// client package (HTTP, HTTPS or a unix socket, with Basic auth).
//
// Each method of supervisord is a method of Client with Go types in and out:
//
//	supervisord method                         Client method            result
//	supervisor.getAPIVersion                   GetAPIVersion            string
//	supervisor.getSupervisorVersion            GetSupervisorVersion     string
//	supervisor.getIdentification               GetIdentification        string
//	supervisor.getState                        GetState                 State
//	supervisor.getPID                          GetPID                   int
//	supervisor.readLog (readMainLog)           ReadLog                  string
//	supervisor.clearLog                        ClearLog                 -
//	supervisor.shutdown / restart              Shutdown / Restart       -
//	supervisor.getProcessInfo                  GetProcessInfo           ProcessInfo
//	supervisor.getAllProcessInfo               GetAllProcessInfo        []ProcessInfo
//	supervisor.getAllConfigInfo                GetAllConfigInfo         []ConfigInfo
//	supervisor.startProcess / stopProcess      StartProcess / StopProcess -
//	supervisor.start|stopProcessGroup          StartProcessGroup ...    []ProcessResult
//	supervisor.start|stopAllProcesses          StartAllProcesses ...    []ProcessResult
//	supervisor.signalProcess                   SignalProcess            -
//	supervisor.signalProcessGroup / All        SignalProcessGroup ...   []ProcessResult
//	supervisor.sendProcessStdin                SendProcessStdin         -
//	supervisor.sendRemoteCommEvent             SendRemoteCommEvent      -
//	supervisor.reloadConfig                    ReloadConfig             ConfigChanges
//	supervisor.addProcessGroup / remove...     AddProcessGroup ...      -
//	supervisor.readProcessStdout|StderrLog     ReadProcessStdoutLog ... string
//	supervisor.tailProcessStdout|StderrLog     TailProcessStdoutLog ... Tail
//	supervisor.clearProcessLogs / All...       ClearProcessLogs ...     - / []ProcessResult
//	system.listMethods / methodHelp            ListMethods / MethodHelp []string / string
//	system.methodSignature                     MethodSignature          [][]string
//	system.multicall                           Multicall                each Call's Reply, Err
//
// Methods supervisord answers with true return only an error. A process's state is a
// ProcessState (Running, Fatal, ...), supervisord's own a SupervisorState.
//
// # Answers read by position
//
// Two answers are arrays of mixed types, read by position rather than as structs:
// tail*Log's [data, offset, overflow] becomes a Tail, and reloadConfig's
// [[added, changed, removed]] a ConfigChanges. supervisord's system.multicall answers each
// result bare instead of in the one-element array of the multicall convention, and each fault
// as a struct; Multicall reads that shape exactly, so a result that is itself a one-element
// array stays one.
//
// # Errors
//
// A fault supervisord answers is a *Fault whose Code is a FaultCode (BadName, NotRunning,
// AlreadyStarted, SpawnError, AbnormalTermination, ... with supervisord's numbers); a FaultCode
// is an error, so errors.Is(err, supervisord.NotRunning) asks for one code and errors.As gives
// the Fault with its method and detail. A Fault also unwraps to the *xmlrpc.Fault it came as.
// Every other error is a failure to reach supervisord or to read its answer, the client
// package's *TransportError, *StatusError (a 401 for wrong credentials) or *ResponseError,
// wrapped with the method's name; IsFault tells the two apart.
//
// # Limits
//
// Log reads and tails ask for at most Config.MaxLogRead bytes (1 MiB by default); a read
// supervisord would not bound (offset 0 and length 0 reads a whole log) is refused before it
// is sent. Calls are bounded by their context and by Config.Timeout.
package supervisord
