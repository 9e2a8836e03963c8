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

# ensure_redis URL [foreground]: with "foreground", the server is a child of this shell.
ensure_redis() {
  local url=$1 host port
  redis_answers "$url" && return 0
  host=$(url_part "$url" host 6379); port=$(url_part "$url" port 6379)
  if ! is_local "$host"; then echo "Redis at $url does not answer." >&2; return 1; fi
  command -v redis-server >/dev/null || apt_install redis-server redis || return 1
  echo "Starting redis-server on port $port..."
  if [ "${2:-}" = foreground ]; then
    redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no &
    REDIS_PID=$!
  else
    redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --daemonize yes >/dev/null
  fi
  wait_until 15 redis_answers "$url" || { echo "redis-server did not start." >&2; return 1; }
}

ensure_redis_server() {  # the program, for tests that start a Redis of their own
  command -v redis-server >/dev/null || apt_install redis-server redis
}

ensure_postgres() {
  local url=$1 installed="" version
  postgres_answers "$url" && return 0
  if ! is_local "$(url_part "$url" host 5432)"; then echo "PostgreSQL at $url does not answer." >&2; return 1; fi
  if ! command -v pg_ctlcluster >/dev/null; then
    apt_install postgresql postgresql || return 1
    installed=yes
  fi
  version=$(ls /etc/postgresql | sort -n | tail -1)
  echo "Starting PostgreSQL $version..."
  if [ -n "$installed" ]; then
    # A cluster we just installed: let the tests connect over TCP as postgres, like CI's.
    sed -i '1i host all postgres 127.0.0.1/32 trust' "/etc/postgresql/$version/main/pg_hba.conf"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  [ -z "$installed" ] || wait_until 30 su postgres -c "createdb test" 2>/dev/null
  wait_until 30 postgres_answers "$url" || { echo "PostgreSQL at $url did not start." >&2; return 1; }
}

ensure_tesseract() {  # the second OCR engine, page layout and orientation for both
  local language missing=""
  command -v tesseract >/dev/null || missing="tesseract-ocr"
  for language in $TESSERACT_LANGUAGES; do  # for languages=auto and the tests of it
    tesseract --list-langs 2>/dev/null | grep -qx "$language" || missing="$missing tesseract-ocr-$language"
  done
  [ -z "$missing" ] || apt_install "${missing# }" "tesseract tesseract-lang"
}

TESSERACT_LANGUAGES=${TESSERACT_LANGUAGES:-deu fra spa}
