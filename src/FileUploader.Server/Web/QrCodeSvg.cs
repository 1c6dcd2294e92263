using System.Globalization;
using System.Text;
using QRCoder;

namespace FileUploader.Server.Web;

/// <summary>A share link as an SVG QR code: one path of unit squares, crisp at any size, a few KB.</summary>
internal static class QrCodeSvg
{
    private const int QuietZone = 4;

    public static string Render(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var modules = data.ModuleMatrix;
        var size = modules.Count;
        var path = new StringBuilder();
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                if (modules[y][x])
                {
                    path.Append(CultureInfo.InvariantCulture, $"M{x + QuietZone} {y + QuietZone}h1v1h-1z");
                }
            }
        }

        var extent = size + (2 * QuietZone);
        return $"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {extent} {extent}" shape-rendering="crispEdges" role="img"><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d="{path}"/></svg>""";
    }
}
