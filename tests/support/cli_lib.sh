# Shared by the CLI end-to-end scripts (sourced after $BIN and $dir are set):
# run the CLI, fail with a message, and check a command's exit code with its
# output kept in $dir/out and $dir/err.
db() { "$BIN/dealbook" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
expect_rc() { # expect_rc CODE cmd...
    local want=$1; shift
    set +e; "$@" >"$dir/out" 2>"$dir/err"; local rc=$?; set -e
    [ "$rc" -eq "$want" ] || { cat "$dir/out" "$dir/err"; fail "'$*' exited $rc, wanted $want"; }
}
