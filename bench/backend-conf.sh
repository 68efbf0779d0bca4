#!/usr/bin/env bash
# Writes the nginx config of the benchmark's model server to stdout: pre-rendered OpenAI answers served by nginx
# and its echo module (Debian's libnginx-mod-http-echo), one worker, so that the backend outruns every proxy it
# serves (DESIGN.md section 5: a Java mock on a shared core measured the mock, not the proxies).
#
#   bench/backend-conf.sh WORKDIR > WORKDIR/backend.conf     # bench/run.sh does this
#
# POST /v1/chat/completions?shape=S, whatever the body says (Sluice's added stream_options are ignored; the usage
# chunk is always sent, as a backend asked for it sends it):
#   events  a 7 KB stream: 32 events of 40 content bytes (a few tokens each), then the finish, usage and [DONE]
#           events, each written and flushed on its own as an HTTP chunk (vLLM, TGI)
#   writes  the same events in two large chunks, each written at once (a cloud API behind a buffering front)
#   json    a 452-byte chat completion with Content-Length
#   paced   the events stream with 20 ms between events (time to first token and token gaps)
#   idle    the first event, then nothing for 120 s (memory per open stream)
set -euo pipefail
WORKDIR=${1:?usage: backend-conf.sh WORKDIR}
PORT=${BACKEND_PORT:-9100}

sentence="The quick brown fox jumps over the lazy dog, then rests by the river until the sun goes down. "
content=$(printf "%s" "$sentence" | cut -c1-40)
# Events as nginx string literals: JSON in single quotes, \n for the newlines nginx writes.
event="'data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"bench\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"$content\"},\"finish_reason\":null}]}\n\n'"
finish="'data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"bench\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n'"
usage="'data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"bench\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":32,\"total_tokens\":44}}\n\n'"
done_event="'data: [DONE]\n\n'"
answer=$(printf '%s' "$sentence$sentence" | cut -c1-190)
json="'{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"bench\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"$answer\"},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":40,\"total_tokens\":52}}'"

# The body of one stream: each event followed by what goes between events ($1: nginx directives, or nothing).
stream() {
  local between=$1
  for _ in $(seq 32); do
    echo "            echo -n $event; $between"
  done
  echo "            echo -n $finish; $between"
  echo "            echo -n $usage; $between"
  echo "            echo -n $done_event;"
}

# The same events as two literals, the first sixteen events and the rest, each one chunk written at once.
halves() {
  local first="" second=""
  for _ in $(seq 16); do first+=${event:1:-1}; second+=${event:1:-1}; done
  echo "            echo -n '$first'; echo_flush;"
  echo "            echo -n '$second${finish:1:-1}${usage:1:-1}${done_event:1:-1}';"
}

cat <<CONF
load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;
worker_processes 1;
daemon off;
pid $WORKDIR/backend.pid;
error_log $WORKDIR/backend-error.log warn;

events {
    worker_connections 16384;
}

http {
    access_log off;
    keepalive_requests 10000000;
    keepalive_timeout 600s;
    client_body_temp_path $WORKDIR/backend-body;
    tcp_nodelay on;

    server {
        listen 127.0.0.1:$PORT;
        listen 127.0.0.1:$((PORT + 1)) http2;
        if (\$arg_shape) {
            rewrite ^ /shape/\$arg_shape last;
        }

        location = /health {
            return 200 'ok';
        }
        # The usage webhook's receiver, for a Sluice run with bench/sluice-bench-webhook.yaml.
        location = /usage {
            return 204;
        }
        location = /shape/events {
            default_type text/event-stream;
$(stream "echo_flush;")
        }
        location = /shape/writes {
            default_type text/event-stream;
$(halves)
        }
        location = /shape/json {
            default_type application/json;
            return 200 $json;
        }
        location = /shape/paced {
            default_type text/event-stream;
$(stream "echo_flush; echo_sleep 0.02;")
        }
        location = /shape/idle {
            default_type text/event-stream;
            echo -n $event;
            echo_flush;
            echo_sleep 120;
            echo -n $done_event;
        }
    }
}
CONF
