# install.ps1: fetch a verified gosetup binary for this Windows machine and
# run it. Windows PowerShell 5.1 and PowerShell 7.
#
#   irm https://github.com/gosetup/gosetup/releases/latest/download/install.ps1 | iex
#   & ([scriptblock]::Create((irm https://github.com/gosetup/gosetup/releases/latest/download/install.ps1))) install --yes
#   powershell -ExecutionPolicy Bypass -File install.ps1 install 1.22 --proxy auto --yes
#
# Arguments (after an optional "--") go to gosetup unchanged; with none,
# gosetup starts its wizard, which needs a console. The binary is unpacked
# into a temporary directory that is removed when the script ends, also on
# an error or Ctrl-C: nothing stays behind but what gosetup itself installs.
#
# Environment, as for install.sh:
#   GOSETUP_DOWNLOAD_URL  base URL of the releases (default: GitHub's); a mirror
#                         serves BASE/download/vX.Y.Z/{checksums.txt,ARCHIVE}
#                         and BASE/latest/download/checksums.txt.
#   GOSETUP_VERSION       a release to fetch, e.g. 1.2.3 (default: the newest).
#
# Keep this file to Windows PowerShell 5.1 syntax: no ?? or ?. operators, no
# ternary, no && or || between commands, no -Parallel, no $IsWindows.

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
# Windows PowerShell's progress bar slows Invoke-WebRequest down many times.
$ProgressPreference = 'SilentlyContinue'

function Stop-Install([string]$Message) {
    throw (New-Object System.Exception -ArgumentList $Message)
}

function Test-Html([string]$Path) {
    $bytes = New-Object byte[] 512
    $stream = [System.IO.File]::OpenRead($Path)
    try { $n = $stream.Read($bytes, 0, 512) } finally { $stream.Dispose() }
    $head = [System.Text.Encoding]::ASCII.GetString($bytes, 0, $n)
    return ($head -match '(?i)<(!doctype|html|head|body|title)')
}

function Get-Download([string]$Url, [string]$OutFile) {
    try {
        Invoke-WebRequest -Uri $Url -OutFile $OutFile -UseBasicParsing
    } catch {
        Stop-Install ("could not download " + $Url + ": " + $_.Exception.Message)
    }
}

# Get-Gosetup downloads, verifies and unpacks gosetup.exe into $Tmp and
# returns its path (its only output: gosetup itself runs at the top level,
# so that its console output is not captured by a function's pipeline).
function Get-Gosetup([string[]]$GosetupArgs, [string]$Tmp) {
    if ([System.Environment]::OSVersion.Platform -ne [System.PlatformID]::Win32NT) {
        Stop-Install "this is not Windows: run install.sh instead (curl -fsSL https://github.com/gosetup/gosetup/releases/latest/download/install.sh | sh)"
    }

    # Windows PowerShell 5.1 on older .NET offers only TLS 1.0 by default.
    try {
        [System.Net.ServicePointManager]::SecurityProtocol = [System.Net.ServicePointManager]::SecurityProtocol -bor [System.Net.SecurityProtocolType]::Tls12
    } catch { }

    $base = $env:GOSETUP_DOWNLOAD_URL
    if (-not $base) { $base = 'https://github.com/gosetup/gosetup/releases' }
    $base = $base.TrimEnd('/')
    $want = $env:GOSETUP_VERSION
    if (-not $want) { $want = 'latest' }
    $want = $want.TrimStart('v')

    # What will gosetup be asked to do, and can it ask?
    $hasYes = $false
    $dryRun = $false
    foreach ($a in $GosetupArgs) {
        if ($a -match '^--?(y|yes)(=true)?$') { $hasYes = $true }
        if ($a -match '^--?dry-run(=true)?$') { $dryRun = $true }
    }
    $asks = $false
    if ($GosetupArgs.Count -eq 0) { $asks = $true }
    elseif ((@('install', 'uninstall', 'repair') -contains $GosetupArgs[0]) -and -not $dryRun) { $asks = $true }
    $console = [System.Environment]::UserInteractive -and -not [System.Console]::IsInputRedirected
    if ($asks -and -not $hasYes -and -not $console) {
        if ($GosetupArgs.Count -eq 0) { $what = 'the gosetup wizard needs a console' }
        else { $what = 'gosetup ' + $GosetupArgs[0] + ' asks before it changes anything' }
        Stop-Install ($what + ", and input is redirected here, and --yes was not given. For an unattended install run: & ([scriptblock]::Create((irm URL/install.ps1))) install --yes")
    }

    # Platform: the OS architecture, not this PowerShell's (a 32-bit or an
    # emulated x64 PowerShell runs on 64-bit and ARM64 Windows too).
    $machine = $null
    try {
        $machine = [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString()
    } catch { }
    if (-not $machine) {
        $machine = $env:PROCESSOR_ARCHITEW6432
        if (-not $machine) { $machine = $env:PROCESSOR_ARCHITECTURE }
    }
    switch -regex ($machine) {
        '^(X64|AMD64)$' { $arch = 'amd64'; break }
        '^(Arm64|ARM64)$' { $arch = 'arm64'; break }
        '^(X86|x86)$' { $arch = '386'; break }
        default {
            Stop-Install ("unsupported processor '" + $machine + "': gosetup's Windows releases exist for amd64, arm64 and 386. With Go installed, build it from source: go install github.com/gosetup/gosetup@latest")
        }
    }

    $tmp = $Tmp
    if ($want -eq 'latest') { $sumsUrl = $base + '/latest/download/checksums.txt' }
    else { $sumsUrl = $base + '/download/v' + $want + '/checksums.txt' }
    $sumsFile = Join-Path $tmp 'checksums.txt'
    Get-Download $sumsUrl $sumsFile
    $htmlHint = 'GOSETUP_DOWNLOAD_URL (' + $base + ') must be the release directory itself (BASE/download/vX.Y.Z/ holds the files), not a web page; a proxy or captive portal may also be answering in its place'
    if (Test-Html $sumsFile) {
        Stop-Install ($sumsUrl + ' is an HTML page, not a checksums file: ' + $htmlHint)
    }

    # <64 hex digits>  gosetup_1.2.3_windows_amd64.zip
    $pattern = '^([0-9a-fA-F]{64}) [ *](gosetup_([0-9A-Za-z.+-]+)_windows_' + $arch + '\.zip)$'
    $found = @()
    foreach ($line in [System.IO.File]::ReadAllLines($sumsFile)) {
        $m = [regex]::Match($line.TrimEnd("`r"), $pattern)
        if ($m.Success -and ($want -eq 'latest' -or $m.Groups[3].Value -eq $want)) { $found += , $m }
    }
    if ($found.Count -eq 0) {
        Stop-Install ($sumsUrl + ' lists no gosetup archive for windows/' + $arch + ': this release has no build for this platform, or the mirror''s copy is incomplete or damaged; nothing was installed')
    }
    if ($found.Count -gt 1) {
        Stop-Install ($sumsUrl + ' lists more than one gosetup archive for windows/' + $arch + '; the mirror''s copy is damaged; nothing was installed')
    }
    $wantSum = $found[0].Groups[1].Value.ToLowerInvariant()
    $name = $found[0].Groups[2].Value
    $version = $found[0].Groups[3].Value
    [System.Console]::Error.WriteLine('gosetup-install: gosetup ' + $version + ' for windows/' + $arch + ' from ' + $base)

    $archiveUrl = $base + '/download/v' + $version + '/' + $name
    $archive = Join-Path $tmp $name
    Get-Download $archiveUrl $archive
    $gotSum = (Get-FileHash -Algorithm SHA256 -LiteralPath $archive).Hash.ToLowerInvariant()
    if ($gotSum -ne $wantSum) {
        if (Test-Html $archive) {
            Stop-Install ($archiveUrl + ' is an HTML page, not a gosetup archive: ' + $htmlHint + '; nothing was installed')
        }
        Stop-Install ('checksum mismatch for ' + $name + ': checksums.txt says ' + $wantSum + ', the download is ' + $gotSum + '. The file was corrupted or tampered with on the way; nothing was installed. Run this again, or use another mirror (GOSETUP_DOWNLOAD_URL).')
    }

    $binDir = Join-Path $tmp 'bin'
    try {
        Expand-Archive -LiteralPath $archive -DestinationPath $binDir
    } catch {
        Stop-Install ('could not unpack ' + $name + ' (verified, so the release itself is broken): ' + $_.Exception.Message)
    }
    $exe = Join-Path $binDir 'gosetup.exe'
    if (-not (Test-Path -LiteralPath $exe -PathType Leaf)) {
        Stop-Install ($name + ' holds no gosetup.exe (verified, so the release itself is broken); report it at https://github.com/gosetup/gosetup/issues')
    }

    return $exe
}

$gosetupArgs = @($args)
if ($gosetupArgs.Count -gt 0 -and $gosetupArgs[0] -eq '--') {
    $gosetupArgs = @($gosetupArgs | Select-Object -Skip 1)
}
$code = 1
$tmp = Join-Path ([System.IO.Path]::GetTempPath()) ('gosetup-install-' + [System.Guid]::NewGuid().ToString('N'))
try {
    New-Item -ItemType Directory -Path $tmp | Out-Null
    $exe = Get-Gosetup $gosetupArgs $tmp
    # gosetup's own exit status (0, 1, 2, 130) becomes the script's.
    & $exe @gosetupArgs
    $code = $LASTEXITCODE
} catch {
    [System.Console]::Error.WriteLine('gosetup-install: error: ' + $_.Exception.Message)
    $code = 1
} finally {
    # Also on Ctrl-C, which stops the pipeline but runs finally blocks.
    Remove-Item -LiteralPath $tmp -Recurse -Force -ErrorAction SilentlyContinue
}
# Under "irm ... | iex" this runs in the user's own session: exit would
# close their window, so only a script file exits.
if ($PSCommandPath) { exit $code }
$global:LASTEXITCODE = $code
