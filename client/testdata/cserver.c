/* A small xmlrpc-c (Abyss) XML-RPC server for harp's client tests.
 *
 * It binds 127.0.0.1 on any free port, prints "PORT <n>" on stdout, and serves:
 *   sample.add(i4, i4) -> i4       the xmlrpc-c examples' method, also as add (for bench/wrk)
 *   echo(value) -> value           returns its one argument unchanged (any type xmlrpc-c reads)
 *   fault(i4, string)              answers a fault with that code and string
 *   typeof(value) -> string        the xmlrpc-c type name of its argument
 * plus xmlrpc-c's built-in system.listMethods, system.multicall and friends, on /RPC2.
 * It exits when its stdin closes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <xmlrpc-c/base.h>
#include <xmlrpc-c/server.h>
#include <xmlrpc-c/server_abyss.h>

static xmlrpc_value *
sample_add(xmlrpc_env *const envP, xmlrpc_value *const paramArrayP,
           void *const serverInfo, void *const channelInfo) {
    xmlrpc_int32 x, y;
    (void)serverInfo; (void)channelInfo;
    xmlrpc_decompose_value(envP, paramArrayP, "(ii)", &x, &y);
    if (envP->fault_occurred)
        return NULL;
    return xmlrpc_build_value(envP, "i", x + y);
}

static xmlrpc_value *
echo(xmlrpc_env *const envP, xmlrpc_value *const paramArrayP,
     void *const serverInfo, void *const channelInfo) {
    xmlrpc_value *v;
    (void)serverInfo; (void)channelInfo;
    if (xmlrpc_array_size(envP, paramArrayP) != 1) {
        xmlrpc_env_set_fault(envP, XMLRPC_INDEX_ERROR, "echo takes one argument");
        return NULL;
    }
    xmlrpc_array_read_item(envP, paramArrayP, 0, &v);
    return envP->fault_occurred ? NULL : v;
}

static xmlrpc_value *
fault(xmlrpc_env *const envP, xmlrpc_value *const paramArrayP,
      void *const serverInfo, void *const channelInfo) {
    xmlrpc_int32 code;
    const char *msg;
    (void)serverInfo; (void)channelInfo;
    xmlrpc_decompose_value(envP, paramArrayP, "(is)", &code, &msg);
    if (envP->fault_occurred)
        return NULL;
    xmlrpc_env_set_fault(envP, code, msg);
    free((void *)msg);
    return NULL;
}

static xmlrpc_value *
type_of(xmlrpc_env *const envP, xmlrpc_value *const paramArrayP,
        void *const serverInfo, void *const channelInfo) {
    static const char *names[] = {
        [XMLRPC_TYPE_INT] = "int", [XMLRPC_TYPE_BOOL] = "boolean", [XMLRPC_TYPE_DOUBLE] = "double",
        [XMLRPC_TYPE_DATETIME] = "dateTime.iso8601", [XMLRPC_TYPE_STRING] = "string",
        [XMLRPC_TYPE_BASE64] = "base64", [XMLRPC_TYPE_ARRAY] = "array", [XMLRPC_TYPE_STRUCT] = "struct",
        [XMLRPC_TYPE_C_PTR] = "c_ptr", [XMLRPC_TYPE_NIL] = "nil", [XMLRPC_TYPE_I8] = "i8",
    };
    xmlrpc_value *v;
    const char *name;
    (void)serverInfo; (void)channelInfo;
    xmlrpc_array_read_item(envP, paramArrayP, 0, &v);
    if (envP->fault_occurred)
        return NULL;
    name = names[xmlrpc_value_type(v)];
    xmlrpc_DECREF(v);
    return xmlrpc_build_value(envP, "s", name ? name : "unknown");
}

static void *
watch_stdin(void *arg) {
    char buf[256];
    (void)arg;
    while (read(0, buf, sizeof buf) > 0) {
    }
    exit(0);
}

int
main(void) {
    struct xmlrpc_method_info3 const methods[] = {
        {.methodName = "sample.add", .methodFunction = &sample_add, .signatureString = "i:ii"},
        {.methodName = "add", .methodFunction = &sample_add},
        {.methodName = "echo", .methodFunction = &echo},
        {.methodName = "fault", .methodFunction = &fault},
        {.methodName = "typeof", .methodFunction = &type_of},
    };
    xmlrpc_server_abyss_parms parms;
    xmlrpc_registry *registryP;
    xmlrpc_env env;
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    pthread_t watcher;
    size_t i;
    int fd;

    xmlrpc_env_init(&env);
    registryP = xmlrpc_registry_new(&env);
    for (i = 0; i < sizeof methods / sizeof methods[0]; i++)
        xmlrpc_registry_add_method3(&env, registryP, &methods[i]);
    if (env.fault_occurred) {
        fprintf(stderr, "registering methods: %s\n", env.fault_string);
        return 1;
    }

    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(fd, 128) != 0 || getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        perror("listen");
        return 1;
    }
    printf("PORT %d\n", ntohs(addr.sin_port));
    fflush(stdout);
    pthread_create(&watcher, NULL, watch_stdin, NULL);

    memset(&parms, 0, sizeof parms);
    parms.config_file_name = NULL;
    parms.registryP = registryP;
    parms.log_file_name = NULL;
    parms.keepalive_timeout = 15;
    parms.keepalive_max_conn = 1000;
    parms.socket_bound = 1;
    parms.socket_handle = fd;
    xmlrpc_server_abyss(&env, &parms, XMLRPC_APSIZE(socket_handle));
    if (env.fault_occurred) {
        fprintf(stderr, "xmlrpc_server_abyss: %s\n", env.fault_string);
        return 1;
    }
    return 0;
}
