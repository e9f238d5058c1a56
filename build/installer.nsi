; Cunwu (村务公开助手) Windows installer. Built by build/build.sh windows with Debian's makensis:
;   makensis -INPUTCHARSET UTF8 -DVERSION=0.1.0 -DVERSION_NUMERIC=0.1.0.0 -DSOURCE_DIR=dist/windows/cunwu
;            -DOUT_FILE=dist/windows/Cunwu-Setup-0.1.0.exe -DICON=build/icon.ico build/installer.nsi
;
; - Chinese UI. For all users of the PC (village office PCs are shared; needs an administrator), into
;   C:\Program Files\Cunwu, or for the signed-in user only, without administrator rights, into
;   %LOCALAPPDATA%\Programs\Cunwu (NSIS's MultiUser: a page to choose, or /AllUsers, /CurrentUser with
;   /S). An administrator gets all users by default, anyone else the per-user install; an upgrade
;   stays where the previous version is. No folder page: a fixed path per mode.
; - Windows 10 version 1809 (build 17763) or later, as Qt 6 needs: checked before anything else.
; - Start-menu and desktop shortcuts to cunwu-gui.exe (all users' or the user's own).
; - Upgrading: run the new installer over the old one. The old program files are removed first, so
;   no library of an older version is left beside the new ones.
; - The user's data (the database and its backups in %LOCALAPPDATA%\Cunwu) never lives in the install
;   folder, and neither the installer nor the uninstaller touches it.

Unicode true
; A 64-bit installer for a 64-bit-only program: on 32-bit Windows it does not start at all (Windows
; says so itself), and it lets build.sh run the installer under Debian's 64-bit-only wine.
Target amd64-unicode
ManifestDPIAware true
SetCompressor /SOLID lzma

!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Cunwu"

; "Highest": an administrator is asked to elevate (and may install for everybody); a clerk without
; administrator rights is not asked at all and installs for themself. (The manifest's
; requestedExecutionLevel also stops Windows from guessing from the name "Setup" that it needs one.)
!define MULTIUSER_EXECUTIONLEVEL Highest
!define MULTIUSER_MUI
!define MULTIUSER_INSTALLMODE_COMMANDLINE
!define MULTIUSER_USE_PROGRAMFILES64
!define MULTIUSER_INSTALLMODE_INSTDIR "Cunwu"
; The mode of the installed version, by where its uninstall entry is (HKLM or HKCU).
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_KEY "${UNINSTALL_KEY}"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_VALUENAME "InstallLocation"
!define MULTIUSER_INIT_TEXT_ADMINREQUIRED "安装村务公开助手需要管理员权限。"
!define MULTIUSER_INIT_TEXT_POWERREQUIRED "安装村务公开助手需要管理员权限。"
!define MULTIUSER_INIT_TEXT_ALLUSERSNOTPOSSIBLE "为这台电脑的所有用户安装需要管理员权限。$\r$\n请用管理员身份运行安装程序，或者只为自己安装。"

!include "MUI2.nsh"
!include "MultiUser.nsh"
!include "LogicLib.nsh"
!include "WinVer.nsh"
!include "FileFunc.nsh"

!macro REQUIRE NAME
  !ifndef ${NAME}
    !error "${NAME} is not set: run through build/build.sh windows"
  !endif
!macroend
!insertmacro REQUIRE VERSION
!insertmacro REQUIRE VERSION_NUMERIC
!insertmacro REQUIRE SOURCE_DIR
!insertmacro REQUIRE OUT_FILE
!insertmacro REQUIRE ICON

!define APP_NAME "村务公开助手"
!define PUBLISHER "村务公开助手项目组"
!define SHORTCUT "${APP_NAME}.lnk"

Name "${APP_NAME} ${VERSION}"
OutFile "${OUT_FILE}"
BrandingText "${APP_NAME} ${VERSION}"
ShowInstDetails hide
ShowUninstDetails hide

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_WELCOMEPAGE_TEXT "将在这台电脑上安装（或升级）${APP_NAME} ${VERSION}：为所有用户安装需要管理员权限，只为自己安装则不需要。$\r$\n$\r$\n已有的数据（数据库和备份）保存在每位用户自己的文件夹中，安装、升级和卸载都不会改动它们。$\r$\n$\r$\n安装前请先关闭正在运行的${APP_NAME}。"
; Started through Explorer, so the program runs as the signed-in user, not as the administrator who
; approved the installation (else its data would go to the administrator's folder).
!define MUI_FINISHPAGE_RUN
!define MUI_FINISHPAGE_RUN_TEXT "立即打开${APP_NAME}"
!define MUI_FINISHPAGE_RUN_FUNCTION LaunchAsUser

!insertmacro MUI_PAGE_WELCOME
!insertmacro MULTIUSER_PAGE_INSTALLMODE
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"

VIProductVersion "${VERSION_NUMERIC}"
VIFileVersion "${VERSION_NUMERIC}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "FileDescription" "${APP_NAME} 安装程序"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "LegalCopyright" "© ${PUBLISHER}"

; A running copy keeps its program files locked (a running .exe cannot be opened for writing):
; replacing half of them would break it. Asks until the clerk has closed it, or gives up without
; having changed anything.
!macro WAIT_UNTIL_CLOSED FILE
  ${Do}
    ${IfNot} ${FileExists} "${FILE}"
      ${Break}
    ${EndIf}
    ClearErrors
    FileOpen $0 "${FILE}" a
    ${IfNot} ${Errors}
      FileClose $0
      ${Break}
    ${EndIf}
    ${IfNot} ${Cmd} `MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "${APP_NAME}正在运行。$\r$\n请先关闭它（包括命令行窗口中的 cunwu），再点“重试”。" /SD IDCANCEL IDRETRY`
      Abort "${APP_NAME}仍在运行，没有做任何改动。"
    ${EndIf}
  ${Loop}
!macroend

Function .onInit
  ; Qt 6 needs Windows 10 1809 (build 17763); "10" alone would let 1507-1803 through.
  ${IfNot} ${AtLeastWin10}
  ${OrIfNot} ${AtLeastBuild} 17763
    MessageBox MB_OK|MB_ICONSTOP "${APP_NAME}需要 Windows 10（1809 版或更新）或 Windows 11。" /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64  ; before MultiUser reads HKLM: the 64-bit view, where a 64-bit installer writes
  !insertmacro MULTIUSER_INIT
FunctionEnd

Function LaunchAsUser
  Exec '"$WINDIR\explorer.exe" "$INSTDIR\cunwu-gui.exe"'
FunctionEnd

Section "Install"
  SetOutPath "$INSTDIR"
  !insertmacro WAIT_UNTIL_CLOSED "$INSTDIR\cunwu-gui.exe"
  !insertmacro WAIT_UNTIL_CLOSED "$INSTDIR\cunwu.exe"
  ; An upgrade: the previous version's program files go first (only these: the install folder holds
  ; no user data).
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\cunwu.exe"
  Delete "$INSTDIR\cunwu-gui.exe"

  File "${SOURCE_DIR}\cunwu.exe"
  File "${SOURCE_DIR}\cunwu-gui.exe"
  File /r "${SOURCE_DIR}\_internal"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\${SHORTCUT}" "$INSTDIR\cunwu-gui.exe" "" "$INSTDIR\cunwu-gui.exe" 0
  CreateShortcut "$DESKTOP\${SHORTCUT}" "$INSTDIR\cunwu-gui.exe" "" "$INSTDIR\cunwu-gui.exe" 0

  ; SHCTX: HKLM for all users, HKCU for a per-user install (Windows lists both under "Apps").
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\cunwu-gui.exe"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "EstimatedSize" $0
SectionEnd

Function un.onInit
  SetRegView 64
  !insertmacro MULTIUSER_UNINIT
  ; The uninstaller removes the copy it belongs to, whatever MultiUser guessed from the privileges:
  ; the per-user one when it sits where the user's entry says, else the one for all users.
  ReadRegStr $0 HKCU "${UNINSTALL_KEY}" "InstallLocation"
  ${If} $0 == $INSTDIR
    Call un.MultiUser.InstallMode.CurrentUser
  ${ElseIf} $MultiUser.Privileges != "Admin"
  ${AndIf} $MultiUser.Privileges != "Power"
    MessageBox MB_OK|MB_ICONSTOP "${APP_NAME}是为这台电脑的所有用户安装的，卸载它需要管理员权限。" /SD IDOK
    Quit
  ${Else}
    Call un.MultiUser.InstallMode.AllUsers
  ${EndIf}
FunctionEnd

Section "Uninstall"
  !insertmacro WAIT_UNTIL_CLOSED "$INSTDIR\cunwu-gui.exe"
  !insertmacro WAIT_UNTIL_CLOSED "$INSTDIR\cunwu.exe"
  ; Program files only. The user's data (%LOCALAPPDATA%\Cunwu: database, backups) stays, always.
  Delete "$INSTDIR\cunwu.exe"
  Delete "$INSTDIR\cunwu-gui.exe"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"  ; only if empty: anything else someone put there stays
  Delete "$SMPROGRAMS\${SHORTCUT}"
  Delete "$DESKTOP\${SHORTCUT}"
  DeleteRegKey SHCTX "${UNINSTALL_KEY}"
  MessageBox MB_OK|MB_ICONINFORMATION "${APP_NAME}已卸载。$\r$\n您的数据（数据库和备份）仍保存在各用户的 %LOCALAPPDATA%\Cunwu 文件夹中，重新安装后可以继续使用。" /SD IDOK
SectionEnd
