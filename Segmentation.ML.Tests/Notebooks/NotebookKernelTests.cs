using System.Text.Json.Nodes;

namespace Segmentation.ML.Tests.Notebooks;

/// <summary>
/// The kernel host on small notebooks written here: state carried across cells, what display, HTML and a final
/// expression show, parameters, and failures that name the notebook and the cell.
/// </summary>
[Collection(NotebookCollection.Name)]
public sealed class NotebookKernelTests : IDisposable
{
    private readonly string folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"segml-kernel-{Guid.NewGuid():N}")).FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>Writes a notebook of C# code cells (and markdown where the text starts with "md:").</summary>
    private string Write(params string[] cells)
    {
        var array = new JsonArray();
        for (int i = 0; i < cells.Length; i++)
        {
            bool markdown = cells[i].StartsWith("md:", StringComparison.Ordinal);
            string language = cells[i].StartsWith("#!fsharp", StringComparison.Ordinal) ? "fsharp" : "csharp";
            var cell = new JsonObject
            {
                ["cell_type"] = markdown ? "markdown" : "code",
                ["id"] = $"c{i + 1}",
                ["metadata"] = markdown ? new JsonObject() : new JsonObject { ["polyglot_notebook"] = new JsonObject { ["kernelName"] = language } },
                ["source"] = new JsonArray(cells[i].Split('\n').Select(line => (JsonNode)(line + "\n")).ToArray()),
            };
            if (!markdown) cell["outputs"] = new JsonArray();
            array.Add(cell);
        }
        var notebook = new JsonObject
        {
            ["cells"] = array,
            ["metadata"] = new JsonObject { ["kernelspec"] = new JsonObject { ["name"] = ".net-csharp", ["language"] = "C#" } },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        };
        string path = Path.Combine(folder, "test.ipynb");
        File.WriteAllText(path, notebook.ToJsonString());
        return path;
    }

    [Fact]
    public async Task CellsShareStateAndShowWhatTheKernelsDisplayHtmlAndLastExpressionsShow()
    {
        var run = await NotebookHost.RunAsync(Write(
            "var greeting = \"hello\";\nint Twice(int x) => 2 * x;",
            "md: # not code",
            "display(\"first\");\ndisplay(HTML(\"<b>bold</b>\"));",
            "greeting + \" \" + Twice(21)",
            "Environment.CurrentDirectory"));

        Assert.Equal(["c1", "c3", "c4", "c5"], run.Cells.Select(c => c.Id));
        Assert.Equal([1, 3, 4, 5], run.Cells.Select(c => c.Index));
        Assert.Empty(run["c1"].Outputs);
        // display and HTML are the kernel's own: a string shows as text, HTML as the kernel's HtmlString.
        Assert.Equal(["first"], run["c3"].Texts);
        Assert.Equal(["<b>bold</b>"], run.Html("c3"));
        Assert.Equal("Microsoft.AspNetCore.Html.HtmlString", run["c3"].Outputs[1].ValueType);
        Assert.Equal(("return", "hello 42"), (run["c4"].Outputs.Single().Kind, run["c4"].Outputs.Single().Text));
        Assert.Equal(folder, run["c5"].Texts.Single());
    }

    [Fact]
    public async Task ACellThatDoesNotCompileNamesTheNotebookTheCellAndTheError()
    {
        var error = await Assert.ThrowsAsync<NotebookCellException>(() => NotebookHost.RunAsync(Write(
            "var ok = 1;",
            "md: text",
            "int count = \"three\";\nvar next = count + 1;")));
        Assert.StartsWith("test.ipynb cell 3 ('c3') does not compile:", error.Message);
        Assert.Contains("line 1: CS0029", error.Message);
        Assert.Contains("| int count = \"three\";", error.Message);
    }

    [Fact]
    public async Task ACellThatThrowsNamesTheNotebookTheCellAndTheException()
    {
        var error = await Assert.ThrowsAsync<NotebookCellException>(() => NotebookHost.RunAsync(Write(
            "var items = new List<int>();",
            "md: text",
            "items.Add(1);\nvar first = items[3];",
            "display(\"never runs\");")));
        Assert.StartsWith("test.ipynb cell 3 ('c3') threw ArgumentOutOfRangeException:", error.Message);
        Assert.Contains("| var first = items[3];", error.Message);
    }

    [Fact]
    public async Task ACellOfAnotherKernelIsRefusedByName()
    {
        var error = await Assert.ThrowsAsync<NotebookCellException>(() => NotebookHost.RunAsync(Write("var ok = 1;", "#!fsharp\nlet x = 1")));
        Assert.StartsWith("test.ipynb cell 2 ('c2') runs in the 'fsharp' kernel", error.Message);
    }

    [Fact]
    public async Task ParametersAreAssignedAfterTheParametersCell()
    {
        string path = Write("var dataset = \"synthetic\";", "dataset.ToUpperInvariant()");
        var notebook = JsonNode.Parse(File.ReadAllText(path))!;
        notebook["cells"]![0]!["metadata"]!["tags"] = new JsonArray("parameters");
        File.WriteAllText(path, notebook.ToJsonString());
        var run = await NotebookHost.RunAsync(path, new Dictionary<string, string> { ["dataset"] = "\"camvid\"" });
        Assert.Equal("CAMVID", run["c2"].Outputs.Single().Text);

        var error = await Assert.ThrowsAsync<NotebookCellException>(() => NotebookHost.RunAsync(path, new Dictionary<string, string> { ["dataset"] = "42" }));
        Assert.StartsWith("test.ipynb cell 1 ('c1-injected', tagged parameters) does not compile:", error.Message);
    }
}
