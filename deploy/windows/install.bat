@echo off
chcp 65001 >nul
rem huibao 安装：注册 Windows 计划任务“huibao上报”，每小时运行一次 sync.bat，
rem 输出记录在 log\sync.log。请先按 使用说明.txt 改好 sync.bat 中的设置。
rem 取消：schtasks /Delete /TN huibao上报 /F

schtasks /Create /F /TN "huibao上报" /SC HOURLY /MO 1 /TR "cmd /c \"\"%~dp0sync.bat\" /task >> \"%~dp0log\sync.log\" 2>&1\""
if errorlevel 1 (
  echo 注册计划任务失败：请右键“以管理员身份运行”本文件，或请信息员协助。
  pause
  exit /b 1
)
if not exist "%~dp0log" mkdir "%~dp0log"
echo 已注册计划任务“huibao上报”：每小时自动上报一次。
echo 现在先手动上报一次，检查设置是否正确：
call "%~dp0sync.bat"
