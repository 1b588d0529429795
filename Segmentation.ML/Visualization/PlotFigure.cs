using OxyPlot;
using OxyPlot.SkiaSharp;
using SkiaSharp;

namespace Segmentation.ML.Visualization;

/// <summary>One OxyPlot model drawn in <paramref name="Area"/> of a figure (in figure units).</summary>
internal sealed record PlotPanel(PlotModel Model, OxyRect Area);

/// <summary>
/// Charts as <see cref="Figure"/>s: OxyPlot models, side by side when there are several, rendered by OxyPlot's
/// SkiaSharp renderer with the figure font (<see cref="FigureRenderContext"/>).
/// </summary>
internal static class PlotFigure
{
    /// <summary>
    /// Lays the panels out once, so their axes know where each value lands on the page, lets <paramref name="describe"/>
    /// read the marks' positions from them, and returns the figure.
    /// </summary>
    public static Figure Create(string title, int width, int height, IReadOnlyList<PlotPanel> panels, string kind, Action<FigureDescription> describe)
    {
        var painter = new Painter(panels);
        using (var layout = new SKNoDrawCanvas(width, height)) painter.Paint(layout, 1, vector: true);
        var description = new FigureDescription(kind);
        describe(description);
        return new Figure(title, width, height, painter.Paint, description);
    }

    /// <summary>A model with the library's look: white, figure-font sizes, a plain title, a light plot frame.</summary>
    public static PlotModel Model(string title) => new()
    {
        Title = title,
        TitleFontSize = Theme.TitleSize,
        TitleFontWeight = FontWeights.Normal,
        DefaultFontSize = Theme.TextSize,
        TextColor = Theme.ToOxy(Theme.Text),
        TitleColor = Theme.ToOxy(Theme.Text),
        Background = Theme.ToOxy(Theme.Background),
        PlotAreaBorderColor = Theme.ToOxy(Theme.Axis),
        PlotAreaBorderThickness = new OxyThickness(0, 0, 0, 1),
        Padding = new OxyThickness(8),
    };

    // OxyPlot models are not thread-safe: one rendering at a time.
    private sealed class Painter(IReadOnlyList<PlotPanel> panels)
    {
        private readonly Lock rendering = new();

        public void Paint(SKCanvas canvas, float scale, bool vector)
        {
            lock (rendering)
            {
                foreach (var (model, area) in panels)
                {
                    using var restore = new SKAutoCanvasRestore(canvas);
                    canvas.Translate((float)area.Left * scale, (float)area.Top * scale);
                    using var skia = new SkiaRenderContext { SkCanvas = canvas, DpiScale = scale, RenderTarget = vector ? RenderTarget.VectorGraphic : RenderTarget.PixelGraphic };
                    var context = new FigureRenderContext(skia);
                    IPlotModel plot = model;
                    plot.Update(true);
                    plot.Render(context, new OxyRect(0, 0, area.Width, area.Height));
                }
            }
        }
    }
}
