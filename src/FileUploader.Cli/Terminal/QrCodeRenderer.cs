using System.Text;
using QRCoder;

namespace FileUploader.Cli.Terminal;

/// <summary>Draws a QR code with Unicode half blocks: two modules per character cell, so it stays square and small.</summary>
internal static class QrCodeRenderer
{
    public static string Render(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.L);
        var modules = data.ModuleMatrix;
        var size = modules.Count;
        var output = new StringBuilder();

        // Dark modules are drawn as the terminal's background, light ones as blocks: scanners need the quiet
        // zone light, and most terminals are dark, so the code reads as dark-on-light.
        for (var row = 0; row < size; row += 2)
        {
            for (var column = 0; column < size; column++)
            {
                var top = !modules[row][column];
                var bottom = row + 1 < size && !modules[row + 1][column];
                output.Append((top, bottom) switch
                {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    _ => ' ',
                });
            }

            output.Append('\n');
        }

        return output.ToString();
    }
}
