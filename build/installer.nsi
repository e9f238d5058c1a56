; Cunwu (村务公开助手) Windows installer. Built by build/build.sh windows with Debian's makensis:
;   makensis -INPUTCHARSET UTF8 -DVERSION=0.1.0 -DVERSION_NUMERIC=0.1.0.0 -DSOURCE_DIR=dist/windows/cunwu
;            -DOUT_FILE=dist/windows/Cunwu-Setup-0.1.0.exe -DICON=build/icon.ico build/installer.nsi
;
; - Chinese UI; for all users of the PC (village office PCs are shared), into C:\Program Files\Cunwu:
;   a fixed ASCII path (no folder page), so that no library ever meets a non-ASCII install path.
; - Start-menu and desktop shortcuts to cunwu-gui.exe.
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
RequestExecutionLevel admin

!include "MUI2.nsh"
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
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Cunwu"
!define SHORTCUT "${APP_NAME}.lnk"

Name "${APP_NAME} ${VERSION}"
OutFile "${OUT_FILE}"
InstallDir "$PROGRAMFILES64\Cunwu"
BrandingText "${APP_NAME} ${VERSION}"
ShowInstDetails hide
ShowUninstDetails hide

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_WELCOMEPAGE_TEXT "将在这台电脑上为所有用户安装（或升级）${APP_NAME} ${VERSION}。$\r$\n$\r$\n已有的数据（数据库和备份）保存在每位用户自己的文件夹中，安装、升级和卸载都不会改动它们。$\r$\n$\r$\n安装前请先关闭正在运行的${APP_NAME}。"
; Started through Explorer, so the program runs as the signed-in user, not as the administrator who
; approved the installation (else its data would go to the administrator's folder).
!define MUI_FINISHPAGE_RUN
!define MUI_FINISHPAGE_RUN_TEXT "立即打开${APP_NAME}"
!define MUI_FINISHPAGE_RUN_FUNCTION LaunchAsUser

!insertmacro MUI_PAGE_WELCOME
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
  ${IfNot} ${AtLeastWin10}
    MessageBox MB_OK|MB_ICONSTOP "${APP_NAME}需要 Windows 10 或 Windows 11。" /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all
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

  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\cunwu-gui.exe"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "EstimatedSize" $0
SectionEnd

Function un.onInit
  SetRegView 64
  SetShellVarContext all
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
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
  MessageBox MB_OK|MB_ICONINFORMATION "${APP_NAME}已卸载。$\r$\n您的数据（数据库和备份）仍保存在各用户的 %LOCALAPPDATA%\Cunwu 文件夹中，重新安装后可以继续使用。" /SD IDOK
SectionEnd
