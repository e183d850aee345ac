#!/usr/bin/env bash
# Packs a galaxy-lab binary built with `--features vulkan` for a machine without a Rust
# toolchain, libhdf5 or a Vulkan loader (the GPU machine): the stripped binary, every shared
# library it needs beyond glibc's own, Debian's Vulkan loader (libvulkan.so.1), a wrapper that
# points the dynamic linker at them, scripts/gpu_check.sh and bench/gpu_reference.py; then one
# .tar.xz. Fails when the archive is over 64 MiB (what travels to the GPU machine).
# Usage: scripts/gpu_bundle.sh BINARY OUTDIR   (make gpu-bundle builds and calls it)
# Result: OUTDIR/galaxy-lab-gpu.tar.xz; unpack anywhere and run galaxy-lab-gpu/galaxy-lab.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:?usage: scripts/gpu_bundle.sh BINARY OUTDIR}
OUT=${2:?usage: scripts/gpu_bundle.sh BINARY OUTDIR}
[ -x "$BIN" ] || { echo "gpu_bundle: $BIN is not an executable (make gpu-bundle builds it)" >&2; exit 2; }
LOADER=$(ldconfig -p | awk '/libvulkan\.so\.1 .*x86-64/ {print $NF; exit}')
[ -n "$LOADER" ] || { echo "gpu_bundle: no libvulkan.so.1 on this machine: apt install libvulkan1" >&2; exit 2; }
D="$OUT/galaxy-lab-gpu"
rm -rf "$D" "$OUT/galaxy-lab-gpu.tar.xz"
mkdir -p "$D/bin" "$D/lib" "$D/scripts" "$D/bench"
strip -o "$D/bin/galaxy-lab" "$BIN"
# Every library the binary loads except the C library's own, which the target machine has.
ldd "$BIN" | awk '/=> \// {print $3}' | while read -r lib; do
  case "$(basename "$lib")" in
    # glibc's own libraries (carried, they would not match the target's libc) and gcc's runtime.
    libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|libresolv.so*|libutil.so*|libanl.so*|libnsl.so*|ld-linux*|libgcc_s.so*) ;;
    *) cp -L "$lib" "$D/lib/" ;;
  esac
done
cp -L "$LOADER" "$D/lib/libvulkan.so.1"
cp scripts/gpu_check.sh "$D/scripts/"
cp bench/gpu_reference.py bench/torch_nets.py "$D/bench/"
cat > "$D/galaxy-lab" <<'WRAP'
#!/usr/bin/env bash
# galaxy-lab with the libraries carried beside it. Where no Vulkan driver manifest is installed
# but NVIDIA's driver library is, point the loader at that library (NVIDIA's Vulkan driver lives
# in libGLX_nvidia.so.0).
here=$(cd "$(dirname "$0")" && pwd)
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ] \
   && ! ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json >/dev/null 2>&1; then
  nv=$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia\.so\.0/ {print $NF; exit}')
  if [ -n "$nv" ]; then
    icd="${TMPDIR:-/tmp}/galaxy-lab-nvidia_icd.json"
    printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$nv" > "$icd"
    export VK_ICD_FILENAMES="$icd"
  fi
fi
exec "$here/bin/galaxy-lab" "$@"
WRAP
chmod +x "$D/galaxy-lab"
{
  echo "galaxy-lab GPU bundle"
  echo "commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "built: $(date -u +%FT%TZ) on $(uname -m)"
  echo "binary: $BIN ($(stat -c %s "$BIN") bytes; stripped $(stat -c %s "$D/bin/galaxy-lab"))"
  # The newest glibc symbol version anything in the bundle needs: the target's glibc must be at
  # least that.
  echo "needs glibc >= $(for f in "$D/bin/galaxy-lab" "$D"/lib/*; do objdump -T "$f" 2>/dev/null; done \
    | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -Vu | tail -1)"
  echo "libraries:"; (cd "$D/lib" && ls -l | awk 'NR>1 {print "  " $NF " " $5}')
} > "$D/BUNDLE.txt"
tar -C "$OUT" -cJf "$OUT/galaxy-lab-gpu.tar.xz" galaxy-lab-gpu
size=$(stat -c %s "$OUT/galaxy-lab-gpu.tar.xz")
echo "archive: $size bytes" >> "$D/BUNDLE.txt"
cat "$D/BUNDLE.txt"
echo "unpacked: $(du -sb "$D" | cut -f1) bytes"
if [ "$size" -gt $((64 * 1024 * 1024)) ]; then
  echo "gpu_bundle: $OUT/galaxy-lab-gpu.tar.xz is $size bytes, over the 64 MiB that travel" >&2
  exit 1
fi
echo "wrote $OUT/galaxy-lab-gpu.tar.xz"
