@echo off
chcp 65001 >nul
setlocal
rem huibao 上报：把本单位台账报送到县里（手动运行，或由 install.bat 注册的计划任务每小时运行）。
rem 首次使用请修改下面四行设置（用记事本打开本文件，改完保存即可）。

rem 本单位代码（县里发的 units.csv 中的代码）
set UNIT=dlz
rem 台账：含 activities.csv 和 problems.csv 的文件夹，或一个 .xlsx 工作簿
set LEDGER=%USERPROFILE%\Documents\台账
rem 县汇总服务的地址（县里提供）
set COUNTY=tcp://county.example:7701
rem 密钥文件夹：本单位私钥 UNIT.key_secret 和县公钥 county.key（县里提供）
set KEYS=%~dp0keys

set STATE=%LOCALAPPDATA%\huibao\%UNIT%
if not exist "%~dp0log" mkdir "%~dp0log"

"%~dp0huibao-agent.exe" sync --unit %UNIT% --ledger "%LEDGER%" --state "%STATE%" --county %COUNTY% --key "%KEYS%\%UNIT%.key_secret" --county-key "%KEYS%\county.key" --timeout 30
set RC=%ERRORLEVEL%

if %RC%==0 echo 上报完成。
if %RC%==65 echo 台账中有错误行（上面逐行列出），其余内容已上报；请改正后再运行。
if %RC%==66 echo 找不到台账：请检查 sync.bat 中 LEDGER 的设置。
if %RC%==74 echo 本机状态文件夹无法写入（磁盘满？）：%STATE%
if %RC%==75 echo 暂时无法报送（县里连不上，或台账正被 Excel/WPS 打开）。内容已保存，下次运行会自动重发。
if %RC%==78 echo 密钥文件缺失或无效：请检查 %KEYS% 中的 %UNIT%.key_secret 和 county.key。
if %RC%==64 echo 设置有误：请检查 sync.bat 中的设置。

rem 计划任务运行时（参数 /task）不暂停；双击运行时停下来让人看到结果。
if /i not "%~1"=="/task" pause
exit /b %RC%
