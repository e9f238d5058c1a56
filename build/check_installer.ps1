# (Saved as UTF-8 with a BOM, so that Windows PowerShell 5 reads the Chinese names right, too.)
# The installer on real Windows (run by .github/workflows/windows.yml, as an administrator): the
# same checks that build/build.sh windows makes under wine (its check_installer), in both modes:
# for all users (/AllUsers: Program Files, HKLM) and for the signed-in user only (/CurrentUser:
# %LOCALAPPDATA%\Programs, HKCU, nothing that needs an administrator).
param([Parameter(Mandatory)] [string] $Setup)
$ErrorActionPreference = "Stop"

$DataDir = Join-Path $env:LOCALAPPDATA "Cunwu"
$KeyPath = "Software\Microsoft\Windows\CurrentVersion\Uninstall\Cunwu"
$Modes = @(
    @{ Flag = "/AllUsers"; ProgramDir = (Join-Path $env:ProgramFiles "Cunwu"); Key = "HKLM:\$KeyPath"; OtherKey = "HKCU:\$KeyPath"
       Shortcuts = @((Join-Path $env:PUBLIC "Desktop\村务公开助手.lnk"),
                     (Join-Path $env:ProgramData "Microsoft\Windows\Start Menu\Programs\村务公开助手.lnk")) },
    @{ Flag = "/CurrentUser"; ProgramDir = (Join-Path $env:LOCALAPPDATA "Programs\Cunwu"); Key = "HKCU:\$KeyPath"; OtherKey = "HKLM:\$KeyPath"
       Shortcuts = @((Join-Path ([Environment]::GetFolderPath("Desktop")) "村务公开助手.lnk"),
                     (Join-Path $env:APPDATA "Microsoft\Windows\Start Menu\Programs\村务公开助手.lnk")) }
)

function Fail([string] $Why) { Write-Error "check_installer: $Why"; exit 1 }
function Run-Setup([string[]] $Options) { (Start-Process -FilePath $Setup -ArgumentList $Options -Wait -PassThru).ExitCode }
function Installed-Selftest([string] $ProgramDir, [string] $When) {
    # The exit code, not the text: an English runner's console code page cannot show the Chinese line.
    $output = & (Join-Path $ProgramDir "cunwu.exe") selftest 2>&1 | Out-String
    if ($LASTEXITCODE -ne 0) { Fail "the installed program fails its self-test ($When):`n$output" }
}
function Data-Fingerprint {
    Get-ChildItem -Recurse -File $DataDir | Sort-Object FullName |
        ForEach-Object { "$($_.FullName) $((Get-FileHash $_.FullName).Hash)" } | Out-String
}

# Asks for "highest available" rights: an administrator may elevate, anyone else is not asked at all.
$bytes = [System.IO.File]::ReadAllBytes($Setup)
if (-not [System.Text.Encoding]::ASCII.GetString($bytes).Contains('requestedExecutionLevel level="highestAvailable"')) {
    Fail "the installer does not ask for highestAvailable (a per-user install would need an administrator)"
}

foreach ($mode in $Modes) {
    $flag = $mode.Flag
    $programDir = $mode.ProgramDir
    $stale = Join-Path $programDir "_internal\left-by-an-older-version.dll"

    if ((Run-Setup @("/S", $flag)) -ne 0) { Fail "the silent install ($flag) failed" }
    foreach ($link in $mode.Shortcuts) { if (-not (Test-Path $link)) { Fail "no shortcut: $link" } }
    $entry = Get-ItemProperty $mode.Key
    if ($entry.DisplayName -ne "村务公开助手") { Fail "the uninstall entry is wrong ($flag): $($entry.DisplayName)" }
    if (Test-Path $mode.OtherKey) { Fail "$flag wrote an uninstall entry to $($mode.OtherKey)" }
    Installed-Selftest $programDir "$flag, after installing"
    & (Join-Path $programDir "cunwu.exe") init
    if ($LASTEXITCODE -ne 0) { Fail "cunwu.exe init failed ($flag)" }
    if (-not (Test-Path (Join-Path $DataDir "cunwu.sqlite3"))) { Fail "no database in $DataDir" }

    # While the program runs its files are locked: the installer must give up and change nothing.
    $gui = Start-Process -FilePath (Join-Path $programDir "cunwu-gui.exe") -ArgumentList "-platform", "offscreen" -PassThru
    Start-Sleep -Seconds 8
    if ($gui.HasExited) { Fail "cunwu-gui.exe quit by itself (exit code $($gui.ExitCode))" }
    New-Item -ItemType File -Path $stale | Out-Null
    if ((Run-Setup @("/S", $flag)) -eq 0 -or -not (Test-Path $stale)) { Fail "the installer went on while the program was running ($flag)" }
    Stop-Process -Id $gui.Id -Force
    $gui.WaitForExit()
    # The window wrote its log beside the database (the per-user folder's own ACL keeps it private).
    if (-not (Select-String -Path (Join-Path $DataDir "logs\cunwu.log") -Pattern "started" -Quiet)) { Fail "the window wrote no log" }

    # Upgrade in place, with no option: the installer finds the installed version's mode itself. The
    # previous version's files go, the data stays as it was.
    $before = Data-Fingerprint
    if ((Run-Setup @("/S")) -ne 0) { Fail "installing over the installed version failed ($flag)" }
    if (Test-Path $stale) { Fail "upgrading left the previous version's files behind ($flag)" }
    if (Test-Path $mode.OtherKey) { Fail "upgrading ($flag) changed the install mode" }
    Installed-Selftest $programDir "$flag, after upgrading"

    # The uninstaller copies itself to %TEMP% and returns at once: wait for the folder to go.
    Start-Process -FilePath (Join-Path $programDir "uninstall.exe") -ArgumentList "/S" -Wait
    for ($i = 0; $i -lt 120 -and (Test-Path $programDir); $i++) { Start-Sleep -Milliseconds 500 }
    if (Test-Path $programDir) { Fail "the uninstaller left $programDir" }
    foreach ($link in $mode.Shortcuts) { if (Test-Path $link) { Fail "the uninstaller left $link" } }
    if (Test-Path $mode.Key) { Fail "the uninstaller left the registry entry ($flag)" }
    if ((Data-Fingerprint) -ne $before) { Fail "upgrading or uninstalling changed the user's data ($flag)" }
    Write-Output "installer ${flag}: installs, refuses while the program runs, upgrades in place, uninstalls, keeps the user's data"
}
