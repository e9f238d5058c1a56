# (Saved as UTF-8 with a BOM, so that Windows PowerShell 5 reads the Chinese names right, too.)
# The installer on real Windows (run by .github/workflows/windows.yml, as an administrator): the
# same checks that build/build.sh windows makes under wine (its check_installer).
param([Parameter(Mandatory)] [string] $Setup)
$ErrorActionPreference = "Stop"

$ProgramDir = Join-Path $env:ProgramFiles "Cunwu"
$DataDir = Join-Path $env:LOCALAPPDATA "Cunwu"
$Shortcuts = @(
    (Join-Path $env:PUBLIC "Desktop\村务公开助手.lnk"),
    (Join-Path $env:ProgramData "Microsoft\Windows\Start Menu\Programs\村务公开助手.lnk")
)
$UninstallKey = "HKLM:\Software\Microsoft\Windows\CurrentVersion\Uninstall\Cunwu"
$Stale = Join-Path $ProgramDir "_internal\left-by-an-older-version.dll"

function Fail([string] $Why) { Write-Error "check_installer: $Why"; exit 1 }
function Run-Setup { (Start-Process -FilePath $Setup -ArgumentList "/S" -Wait -PassThru).ExitCode }
function Installed-Selftest([string] $When) {
    # The exit code, not the text: an English runner's console code page cannot show the Chinese line.
    $output = & (Join-Path $ProgramDir "cunwu.exe") selftest 2>&1 | Out-String
    if ($LASTEXITCODE -ne 0) { Fail "the installed program fails its self-test ($When):`n$output" }
}
function Data-Fingerprint {
    Get-ChildItem -Recurse -File $DataDir | Sort-Object FullName |
        ForEach-Object { "$($_.FullName) $((Get-FileHash $_.FullName).Hash)" } | Out-String
}

if ((Run-Setup) -ne 0) { Fail "the silent install failed" }
foreach ($link in $Shortcuts) { if (-not (Test-Path $link)) { Fail "no shortcut: $link" } }
$entry = Get-ItemProperty $UninstallKey
if ($entry.DisplayName -ne "村务公开助手") { Fail "the uninstall entry is wrong: $($entry.DisplayName)" }
Installed-Selftest "after installing"
& (Join-Path $ProgramDir "cunwu.exe") init
if ($LASTEXITCODE -ne 0) { Fail "cunwu.exe init failed" }
if (-not (Test-Path (Join-Path $DataDir "cunwu.sqlite3"))) { Fail "no database in $DataDir" }

# While the program runs its files are locked: the installer must give up and change nothing.
$gui = Start-Process -FilePath (Join-Path $ProgramDir "cunwu-gui.exe") -ArgumentList "-platform", "offscreen" -PassThru
Start-Sleep -Seconds 8
if ($gui.HasExited) { Fail "cunwu-gui.exe quit by itself (exit code $($gui.ExitCode))" }
New-Item -ItemType File -Path $Stale | Out-Null
if ((Run-Setup) -eq 0 -or -not (Test-Path $Stale)) { Fail "the installer went on while the program was running" }
Stop-Process -Id $gui.Id -Force
$gui.WaitForExit()

# Upgrade in place: the previous version's files go, the data stays as it was.
$before = Data-Fingerprint
if ((Run-Setup) -ne 0) { Fail "installing over the installed version failed" }
if (Test-Path $Stale) { Fail "upgrading left the previous version's files behind" }
Installed-Selftest "after upgrading"

# The uninstaller copies itself to %TEMP% and returns at once: wait for the folder to go.
Start-Process -FilePath (Join-Path $ProgramDir "uninstall.exe") -ArgumentList "/S" -Wait
for ($i = 0; $i -lt 120 -and (Test-Path $ProgramDir); $i++) { Start-Sleep -Milliseconds 500 }
if (Test-Path $ProgramDir) { Fail "the uninstaller left $ProgramDir" }
foreach ($link in $Shortcuts) { if (Test-Path $link) { Fail "the uninstaller left $link" } }
if (Test-Path $UninstallKey) { Fail "the uninstaller left the registry entry" }
if ((Data-Fingerprint) -ne $before) { Fail "upgrading or uninstalling changed the user's data" }
Write-Output "installer: installs, refuses while the program runs, upgrades in place, uninstalls, keeps the user's data"
