# Shared by the test_compare*.sh tests (sourced, not a test itself).
# Needs: $tmp (a scratch folder the caller removes), $py.

# Exits 77 (skipped) without python3-matplotlib or chromium.
compare_need_tools() {
  [ -x "$py" ] || { echo "skipped: no $py"; exit 77; }
  "$py" -c "import matplotlib, numpy" 2>/dev/null || { echo "skipped: python3-matplotlib missing"; exit 77; }
  command -v chromium > /dev/null || { echo "skipped: chromium missing (tools/install-deps.sh installs it)"; exit 77; }
}

# render_dom REPORT_DIR OUT.html: loads REPORT_DIR/index.html from disk in
# headless Chromium and writes the DOM after the page's scripts ran. Works as
# root (--no-sandbox), keeps its profile and HOME in $tmp, and cannot hang
# (timeout).
render_dom() {
  local url
  url=$("$py" -c 'import pathlib, sys; print(pathlib.Path(sys.argv[1]).resolve().as_uri())' "$1/index.html")
  mkdir -p "$tmp/chromium-home"
  HOME="$tmp/chromium-home" timeout -k 10 120 chromium --headless --no-sandbox --disable-gpu \
    --disable-dev-shm-usage --no-first-run --disable-extensions --user-data-dir="$tmp/chromium-profile" \
    --virtual-time-budget=15000 --dump-dom "$url" > "$2" 2> "$tmp/chromium.err"
  local rc=$?
  if [ $rc -ne 0 ] || ! grep -q "</body>" "$2"; then
    echo "FAILED: chromium exited $rc without a DOM; its log:"
    tail -20 "$tmp/chromium.err"
    exit 1
  fi
}
