namespace Segmentation.ML.Tests.Notebooks;

/// <summary>HTML to show as HTML, as the kernel's <c>HTML("...")</c> returns.</summary>
/// <param name="Html">The markup.</param>
public sealed record HtmlContent(string Html)
{
    /// <summary>The markup.</summary>
    public override string ToString() => Html;
}

/// <summary>A value shown in a cell's output, which <see cref="Update"/> replaces as the kernel's <c>DisplayedValue</c> does.</summary>
public sealed class DisplayedValue
{
    private readonly List<object?> outputs;
    private readonly int index;

    internal DisplayedValue(List<object?> outputs, int index)
    {
        this.outputs = outputs;
        this.index = index;
    }

    /// <summary>Replaces the shown value.</summary>
    public void Update(object? value) => outputs[index] = value;
}

/// <summary>
/// What the C# kernel of Polyglot Notebooks puts in scope of every cell that the notebooks use: <c>display(value)</c>
/// and <c>HTML(markup)</c> (the kernel imports them from <c>Microsoft.DotNet.Interactive.Kernel</c>). Outputs are recorded
/// per cell for the tests to check.
/// </summary>
/// <remarks>Lower-case names, as the kernel spells them, so notebook cells run unchanged in Polyglot and here.</remarks>
public sealed class NotebookGlobals
{
    internal List<object?> Outputs { get; set; } = [];

    /// <summary>Shows <paramref name="value"/> in the cell's output.</summary>
    /// <param name="value">The value.</param>
    /// <param name="mimeTypes">Preferred formats (recorded, not used: outputs are kept as objects).</param>
#pragma warning disable IDE1006 // The kernel's names.
    public DisplayedValue display(object? value, params string[] mimeTypes)
    {
        Outputs.Add(value);
        return new DisplayedValue(Outputs, Outputs.Count - 1);
    }
#pragma warning restore IDE1006

    /// <summary>Marks <paramref name="html"/> as HTML to display.</summary>
    public HtmlContent HTML(string html) => new(html);
}
