using System.Net;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Visualization;

/// <summary>Images as HTML that needs no files beside it: for notebooks (<c>display(HTML(image.ToHtml()))</c>) and reports.</summary>
public static class ImageHtml
{
    /// <summary>
    /// An <c>&lt;img&gt;</c> whose source is the PNG of <paramref name="image"/> as a base64 data URI, at its pixel size,
    /// scaled without smoothing when a page shrinks or enlarges it.
    /// </summary>
    /// <param name="image">The picture.</param>
    /// <param name="alt">Alternative text (what the picture shows).</param>
    public static string ToHtml(this RgbImage image, string? alt = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        return $"<img src=\"data:image/png;base64,{Convert.ToBase64String(PngEncoder.Encode(image))}\" width=\"{image.Width}\" height=\"{image.Height}\" " +
               $"alt=\"{WebUtility.HtmlEncode(alt ?? $"{image.Width}×{image.Height} image")}\" style=\"image-rendering:pixelated;max-width:none\"/>";
    }
}
