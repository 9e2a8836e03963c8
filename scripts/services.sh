# Shell functions that make sure Redis and PostgreSQL answer, starting local ones if not.
# Sourced by scripts/run, scripts/test and scripts/bench; needs $PYTHON (the venv's python).

url_part() {  # url_part URL host|port DEFAULT_PORT
  "$PYTHON" -c 'import sys, urllib.parse as u; p = u.urlparse(sys.argv[1]); print((p.hostname or "127.0.0.1") if sys.argv[2] == "host" else (p.port or sys.argv[3]))' "$1" "$2" "$3"
}

redis_answers() {
  "$PYTHON" -c 'import sys, redis; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=2).ping()' "$1" 2>/dev/null
}

postgres_answers() {
  "$PYTHON" -c 'import sys, psycopg; psycopg.connect(sys.argv[1].replace("+psycopg", ""), connect_timeout=2).close()' "$1" 2>/dev/null
}

is_local() {
  case "$1" in 127.*|localhost|::1) return 0 ;; *) return 1 ;; esac
}

apt_install() {  # apt_install "PACKAGE..." [BREW]: install Debian packages when we can, or say how
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's $1 package..."
    # shellcheck disable=SC2086  # a list of package names
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $1 >/dev/null
  else
    echo "Please install $1 (Debian/Ubuntu: sudo apt-get install $1; macOS: brew install ${2:-$1})." >&2
    return 1
  fi
}

wait_until() {  # wait_until SECONDS COMMAND...: retry COMMAND until it succeeds
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# ensure_redis URL [foreground DIR]: with "foreground", the server is a child of this shell
# and keeps its data in DIR, append-only: Ctrl-C stops it too, and the broker's queue must
# be there again on the next start, not lost until the reaper finds the tasks. Otherwise a
# throwaway daemon (the tests').
ensure_redis() {
  local url=$1 host port
  redis_answers "$url" && return 0
  host=$(url_part "$url" host 6379); port=$(url_part "$url" port 6379)
  if ! is_local "$host"; then echo "Redis at $url does not answer." >&2; return 1; fi
  command -v redis-server >/dev/null || apt_install redis-server redis || return 1
  echo "Starting redis-server on port $port..."
  if [ "${2:-}" = foreground ]; then
    mkdir -p "$3"
    redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly yes --dir "$3" &
    REDIS_PID=$!
  else
    redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --daemonize yes >/dev/null
  fi
  wait_until 15 redis_answers "$url" || { echo "redis-server did not start." >&2; return 1; }
}

ensure_redis_server() {  # the program, for tests that start a Redis of their own
  command -v redis-server >/dev/null || apt_install redis-server redis
}

ensure_postgres_server() {  # the programs, for the chaos run's cluster of its own
  postgres_bin >/dev/null || apt_install postgresql postgresql
}

free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

postgres_bin() {  # the folder of initdb, pg_ctl and createdb: initdb's on PATH, or Debian's newest
  local initdb
  initdb=$(command -v initdb || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)
  [ -n "$initdb" ] && dirname "$(readlink -f "$initdb")"
}

postgres_user() {  # who runs PostgreSQL, which refuses root: we do, or as root postgres or nobody
  if [ "$(id -u)" != 0 ]; then id -un; elif id -u postgres >/dev/null 2>&1; then echo postgres; else echo nobody; fi
}

as_postgres_user() {
  if [ "$(id -u)" != 0 ]; then "$@"; else (cd "$POSTGRES_DIR" && runuser -u "$(postgres_user)" -- "$@"); fi
}

# ensure_postgres URL: make sure PostgreSQL answers at URL. Where nothing answers at a local
# URL, start a throwaway cluster of our own in a temporary folder, on a free port, with a
# generated password (not `trust`: any local user could connect), point TEST_DATABASE_URL
# at it, and stop and delete it on exit. Nothing in /etc changes.
ensure_postgres() {
  local url=$1 port database password
  postgres_answers "$url" && return 0
  if ! is_local "$(url_part "$url" host 5432)"; then echo "PostgreSQL at $url does not answer." >&2; return 1; fi
  POSTGRES_BIN=$(postgres_bin) || { apt_install postgresql postgresql && POSTGRES_BIN=$(postgres_bin); } || return 1
  POSTGRES_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ocrapp-postgres.XXXXXX")
  trap stop_postgres EXIT
  chown "$(postgres_user)" "$POSTGRES_DIR"
  port=$(free_port)
  database=$("$PYTHON" -c 'import sys, urllib.parse as u; print(u.urlparse(sys.argv[1]).path.strip("/") or "test")' "$url")
  echo "Nothing answers at $url: starting a throwaway PostgreSQL on port $port in $POSTGRES_DIR..."
  password=$("$PYTHON" -c 'import secrets; print(secrets.token_hex(16))')  # URL-safe
  (umask 077 && printf '%s\n' "$password" >"$POSTGRES_DIR/password")
  chown "$(postgres_user)" "$POSTGRES_DIR/password"
  as_postgres_user "$POSTGRES_BIN/initdb" -D "$POSTGRES_DIR/data" -U postgres \
    --auth=scram-sha-256 --pwfile="$POSTGRES_DIR/password" >/dev/null
  rm -f "$POSTGRES_DIR/password"
  as_postgres_user "$POSTGRES_BIN/pg_ctl" -D "$POSTGRES_DIR/data" -l "$POSTGRES_DIR/data/log" -w \
    -o "-p $port -k $POSTGRES_DIR -c listen_addresses=127.0.0.1" start >/dev/null
  [ "$database" = postgres ] || PGPASSWORD=$password as_postgres_user \
    "$POSTGRES_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$database"
  export TEST_DATABASE_URL="postgresql+psycopg://postgres:$password@127.0.0.1:$port/$database"
}

stop_postgres() {  # stop and delete the throwaway cluster, if ensure_postgres started one
  [ -n "${POSTGRES_DIR:-}" ] || return 0
  if [ -f "$POSTGRES_DIR/data/postmaster.pid" ]; then
    as_postgres_user "$POSTGRES_BIN/pg_ctl" -D "$POSTGRES_DIR/data" -m fast -w stop >/dev/null || true
  fi
  rm -rf "$POSTGRES_DIR"
  POSTGRES_DIR=""
}

ensure_tesseract() {  # the second OCR engine, page layout and orientation for both
  local language missing=""
  command -v tesseract >/dev/null || missing="tesseract-ocr"
  for language in $TESSERACT_LANGUAGES; do  # for languages=auto and the tests of it
    tesseract --list-langs 2>/dev/null | grep -qx "$language" || missing="$missing tesseract-ocr-$language"
  done
  [ -z "$missing" ] || apt_install "${missing# }" "tesseract tesseract-lang"
}

ensure_poppler() {  # pdftotext: how Evince and Okular copy a PDF's text (make bench)
  command -v pdftotext >/dev/null || apt_install poppler-utils poppler
}

ensure_chromium() {  # the browser of the web app's tests (tests/webapp/), driven by Playwright
  [ -x "${CHROMIUM:-/usr/bin/chromium}" ] || apt_install chromium "--cask chromium"
}

TESSERACT_LANGUAGES=${TESSERACT_LANGUAGES:-deu fra spa}
