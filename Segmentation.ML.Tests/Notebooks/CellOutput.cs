namespace Segmentation.ML.Tests.Notebooks;

/// <summary>One value a notebook cell showed, as the kernel formatted it for the notebook editor.</summary>
/// <param name="Kind">"display" (<c>display(…)</c>, later updates applied) or "return" (the value of the cell's last expression).</param>
/// <param name="ValueType">The .NET type of the shown value.</param>
/// <param name="FormattedValues">The value by MIME type: text/plain, text/html.</param>
internal sealed record CellOutput(string Kind, string? ValueType, IReadOnlyDictionary<string, string> FormattedValues)
{
    /// <summary>The text/plain form, or null.</summary>
    public string? Text => FormattedValues.GetValueOrDefault("text/plain");

    /// <summary>The text/html form, or null.</summary>
    public string? Html => FormattedValues.GetValueOrDefault("text/html");

    /// <summary>Whether a string was shown (its text is the string).</summary>
    public bool IsString => ValueType == typeof(string).FullName;
}
