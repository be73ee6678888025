// Package fleet drives many supervisord hosts at once: a fleet file names them, Status asks them
// all in parallel, Rollout starts, stops, restarts, signals or updates their processes in
// batches, MakePlan says what a rollout would do, and Follow merges their logs.
//
// # The fleet file
//
// A YAML file (read with KnownFields(true); every error is a *FileError at file:line:column):
//
//	defaults:                      # optional; every host inherits these
//	  username: admin
//	  password_env: SUPERVISOR_PASSWORD   # or password: ...
//	  timeout: 5s                  # bounds each call to a host (DefaultHostTimeout: 10s)
//	hosts:                         # in rollout order
//	  web1:
//	    url: http://10.0.0.1:9001/RPC2    # http, https, or unix:///run/supervisor.sock
//	    health: http://10.0.0.1:8080/healthz
//	  web2:
//	    url: https://10.0.0.2:9443/RPC2   # supervisord behind a TLS proxy
//	    ca: /etc/harp/fleet-ca.pem        # verify it against these roots
//	    health: http://10.0.0.2:8000/RPC2
//	    health_method: system.listMethods # an XML-RPC call (health_jsonrpc: true for JSON-RPC)
//	groups:                        # roles
//	  web: [web1, web2]
//
// A selector (Fleet.Select) is "all", or host names, group names and patterns ("web*")
// separated by commas; hosts come out in file order.
//
// # What each operation does
//
//	operation     on each host                                   bounded by
//	Status        getState and getAllProcessInfo in one           the host's timeout, parallel hosts
//	              system.multicall
//	Rollout       start: startProcess, then wait until RUNNING    StartTimeout per process
//	              past startsecs (getProcessInfo, polled)
//	              stop: stopProcess(wait); NOT_RUNNING: wait      StartTimeout
//	              until it is stopped
//	              restart: stop, then start
//	              signal: signalProcess
//	              update: reloadConfig; removed groups stopped and removed; changed ones stopped,
//	              removed and added; added ones added; autostart processes waited for
//	MakePlan      getAllProcessInfo, or reloadConfig for update   the host's timeout
//	Follow        tailProcessStdoutLog for the size, then          the host's timeout per poll
//	              readProcessStdoutLog from 32 bytes before the
//	              offset (a mismatch there, or a smaller size,
//	              is a rotation: read from the start)
//
// # Rollouts
//
// Hosts are split into batches (BatchSize: a count or a percentage). The hosts of a batch run at
// once; after each host's steps the optional HealthCheck (an HTTP GET or an RPC call to the
// service itself) must pass before the next batch starts, after RolloutConfig.Pause. The first
// batch with a failure is the last: the hosts after it are left Untouched, and the Report says
// what changed where (each Change with the process, the step and the states), which host failed
// and why (Report.Err: a *RolloutError wrapping a *supervisord.Fault, a *ProcessError, a
// *HealthError or a transport error), and which hosts remain for a resumed rollout
// (Report.Remaining).
package fleet
