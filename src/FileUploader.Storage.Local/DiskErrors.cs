namespace FileUploader.Storage.Local;

internal static class DiskErrors
{
    private const int Enospc = 28;
    private const int Edquot = 122;
    private const int WindowsDiskFull = 0x70;
    private const int WindowsHandleDiskFull = 0x27;

    /// <summary>
    /// On Unix .NET puts the raw errno in HResult; on Windows it is an HRESULT wrapping the Win32 error.
    /// </summary>
    public static bool IsDiskFull(IOException e)
    {
        var code = e.HResult;
        if (!OperatingSystem.IsWindows())
        {
            return code is Enospc or Edquot;
        }

        var win32 = code & 0xFFFF;
        return win32 is WindowsDiskFull or WindowsHandleDiskFull;
    }
}
