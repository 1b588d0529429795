using System.Text.Json;
using System.Text.Json.Serialization;

namespace Segmentation.NotebookHost;

/// <summary>One value a cell showed: by <c>display(…)</c> (later updates applied) or as the value of its last expression.</summary>
/// <param name="Kind">"display" or "return".</param>
/// <param name="ValueType">The .NET type of the shown value.</param>
/// <param name="FormattedValues">The value as the kernel formatted it, by MIME type (text/plain, text/html).</param>
internal sealed record CellOutput(string Kind, string? ValueType, IReadOnlyDictionary<string, string> FormattedValues);

/// <summary>One line of the host's report: a cell that ran, the failure that stopped the run, or the end of the run.</summary>
/// <param name="Cell">The id of the cell that ran.</param>
/// <param name="Index">Its position among all the notebook's cells, from 1.</param>
/// <param name="Outputs">What it showed, in order.</param>
/// <param name="Console">What it wrote to standard output and standard error.</param>
/// <param name="ElapsedMs">Its wall time.</param>
/// <param name="Failure">Why the run stopped, naming the notebook and the cell.</param>
/// <param name="Done">True on the last line of a run where every cell ran.</param>
internal sealed record HostReport(
    string? Cell = null,
    int? Index = null,
    IReadOnlyList<CellOutput>? Outputs = null,
    string? Console = null,
    double? ElapsedMs = null,
    string? Failure = null,
    bool? Done = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The report as one line of JSON.</summary>
    public string ToJsonLine() => JsonSerializer.Serialize(this, Json);
}
