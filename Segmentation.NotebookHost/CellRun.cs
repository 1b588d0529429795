using System.Diagnostics;
using System.Text;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;

namespace Segmentation.NotebookHost;

/// <summary>
/// Submits one cell's code to the kernel and gathers what a notebook editor would show for it: displayed values (with
/// their later updates), the value of a final expression, console output, and whether it failed and why.
/// </summary>
internal sealed class CellRun
{
    private readonly List<(string? ValueId, CellOutput Output)> outputs = [];
    private readonly StringBuilder console = new();

    private CellRun(NotebookCell cell) => Cell = cell;

    /// <summary>The cell.</summary>
    public NotebookCell Cell { get; }

    /// <summary>What the cell showed, in order.</summary>
    public IReadOnlyList<CellOutput> Outputs => outputs.Select(o => o.Output).ToList();

    /// <summary>What the cell wrote to standard output and error.</summary>
    public string Console => console.ToString();

    /// <summary>Why the cell failed, naming the notebook and the cell; null when it ran.</summary>
    public string? Failure { get; private set; }

    /// <summary>The cell's wall time.</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <summary>Runs <paramref name="code"/> (the cell's source unless given) as one submission.</summary>
    public static async Task<CellRun> RunAsync(Kernel kernel, string notebookName, NotebookCell cell, string? code = null)
    {
        var run = new CellRun(cell);
        var clock = Stopwatch.StartNew();
        var result = await kernel.SendAsync(new SubmitCode(code ?? cell.Source));
        run.Elapsed = clock.Elapsed;
        foreach (var kernelEvent in result.Events) run.Record(kernelEvent, notebookName);
        return run;
    }

    private void Record(KernelEvent kernelEvent, string notebookName)
    {
        switch (kernelEvent)
        {
            case DisplayedValueUpdated updated:
                int index = outputs.FindIndex(o => o.ValueId == updated.ValueId);
                if (index >= 0) outputs[index] = (updated.ValueId, Output("display", updated));
                break;
            case ReturnValueProduced returned:
                outputs.Add((returned.ValueId, Output("return", returned)));
                break;
            case ErrorProduced error:
                Failure ??= $"{notebookName} {Cell} showed an error: {error.Message}\n{Cell.Excerpt()}";
                break;
            case DisplayedValueProduced displayed:
                outputs.Add((displayed.ValueId, Output("display", displayed)));
                break;
            case StandardOutputValueProduced or StandardErrorValueProduced:
                console.Append(((DisplayEvent)kernelEvent).FormattedValues.FirstOrDefault()?.Value);
                break;
            case DiagnosticsProduced diagnostics when diagnostics.Diagnostics.Any(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error):
                var errors = diagnostics.Diagnostics.Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error)
                    .Select(d => $"line {d.LinePositionSpan.Start.Line + 1}: {d.Code} {d.Message}");
                Failure ??= $"{notebookName} {Cell} does not compile:\n  {string.Join("\n  ", errors)}\n{Cell.Excerpt()}";
                break;
            case CommandFailed failed:
                Failure ??= failed.Exception is { } exception and not CodeSubmissionCompilationErrorException
                    ? $"{notebookName} {Cell} threw {exception.GetType().Name}: {exception.Message}\n{Cell.Excerpt()}\n{exception}"
                    : $"{notebookName} {Cell} failed: {failed.Message}\n{Cell.Excerpt()}";
                break;
        }
    }

    private static CellOutput Output(string kind, DisplayEvent shown) =>
        new(kind, shown.Value?.GetType().FullName, shown.FormattedValues.ToDictionary(v => v.MimeType, v => v.Value));
}
