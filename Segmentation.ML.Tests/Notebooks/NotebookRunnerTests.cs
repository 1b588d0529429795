using System.Text.Json.Nodes;

namespace Segmentation.ML.Tests.Notebooks;

/// <summary>The runner on small notebooks written here: state across cells, #r, magic commands, display, and failures that say where.</summary>
[Collection(NotebookCollection.Name)]
public sealed class NotebookRunnerTests : IDisposable
{
    private readonly string folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"segml-runner-{Guid.NewGuid():N}")).FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>Writes a notebook of C# code cells (and markdown where the text starts with "md:").</summary>
    private string Write(params string[] cells)
    {
        var array = new JsonArray();
        for (int i = 0; i < cells.Length; i++)
        {
            bool markdown = cells[i].StartsWith("md:", StringComparison.Ordinal);
            var cell = new JsonObject
            {
                ["cell_type"] = markdown ? "markdown" : "code",
                ["id"] = $"c{i + 1}",
                ["metadata"] = markdown ? new JsonObject() : new JsonObject { ["dotnet_interactive"] = new JsonObject { ["language"] = cells[i].StartsWith("#!fsharp", StringComparison.Ordinal) ? "fsharp" : "csharp" } },
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
    public async Task CellsShareStateShowValuesAndHonourTheCSharpAndTimeMagics()
    {
        var run = await NotebookRunner.RunAsync(Write(
            "#!csharp\nvar greeting = \"hello\";\nint Twice(int x) => 2 * x;",
            "md: # not code",
            "var shown = display(\"first\");\nshown.Update(\"replaced\");\ndisplay(HTML(\"<b>bold</b>\"));",
            "#!time\ngreeting + \" \" + Twice(21)",
            "Environment.CurrentDirectory"));

        Assert.Equal(["c1", "c3", "c4", "c5"], run.Cells.Select(c => c.Cell.Id));
        Assert.Empty(run["c1"].Outputs);
        Assert.Equal(new object?[] { "replaced", new HtmlContent("<b>bold</b>") }, run["c3"].Outputs);
        Assert.Equal("hello 42", run["c4"].Outputs[0]);
        Assert.Matches("^Wall time: \\d+ ms$", (string)run["c4"].Outputs[1]!);
        Assert.Equal(folder, run["c5"].Outputs.Single());
        Assert.NotEqual(folder, Environment.CurrentDirectory);
    }

    [Fact]
    public async Task HashRReferencesTheBuiltLibraryRelativeToTheNotebook()
    {
        string library = typeof(Segmentation.ML.Imaging.RgbImage).Assembly.Location;
        string relative = Path.GetRelativePath(folder, library);
        var run = await NotebookRunner.RunAsync(Write($"#r \"{relative}\"\nusing Segmentation.ML.Imaging;", "new RgbImage(3, 2).Width * 10"));
        Assert.Equal(30, run["c2"].Outputs.Single());

        var error = await Assert.ThrowsAsync<NotebookCellException>(() => NotebookRunner.RunAsync(Write("using Segmentation.ML.Imaging;\nnew RgbImage(3, 2)")));
        Assert.Contains("test.ipynb cell 1 ('c1') does not compile", error.Message);
        Assert.Contains("line 1: CS0246", error.Message);
    }

    [Fact]
    public async Task ACellThatThrowsNamesTheNotebookTheCellAndTheException()
    {
        var error = await Assert.ThrowsAsync<NotebookCellException>(() => NotebookRunner.RunAsync(Write(
            "var items = new List<int>();",
            "md: text",
            "items.Add(1);\nvar first = items[3];")));
        Assert.StartsWith("test.ipynb cell 3 ('c3') threw ArgumentOutOfRangeException:", error.Message);
        Assert.Contains("| var first = items[3];", error.Message);
    }

    [Theory]
    [InlineData("#!fsharp\nlet x = 1", "cell 1 ('c1') runs in the 'fsharp' kernel")]
    [InlineData("#!pwsh\nGet-ChildItem", "line 1: '#!pwsh' switches to another kernel")]
    [InlineData("#r \"nuget: Newtonsoft.Json, 13.0.1\"", "restores a package")]
    [InlineData("#r \"missing/Library.dll\"", "missing/Library.dll\"' names")]
    [InlineData("#i \"nuget: https://example.invalid/feed\"", "'#i' adds a package source")]
    public async Task WhatTheRunnerCannotDoIsRefusedClearly(string cell, string expected)
    {
        var error = await Assert.ThrowsAsync<NotebookCellException>(() => NotebookRunner.RunAsync(Write("var ok = 1;", cell)));
        Assert.Contains(expected.Replace("cell 1 ('c1')", "cell 2 ('c2')"), error.Message);
    }

    [Fact]
    public async Task ParametersAreAssignedAfterTheParametersCell()
    {
        string path = Write("var dataset = \"synthetic\";", "dataset.ToUpperInvariant()");
        var notebook = JsonNode.Parse(File.ReadAllText(path))!;
        notebook["cells"]![0]!["metadata"]!["tags"] = new JsonArray("parameters");
        File.WriteAllText(path, notebook.ToJsonString());
        var run = await NotebookRunner.RunAsync(path, new Dictionary<string, string> { ["dataset"] = "\"camvid\"" });
        Assert.Equal("CAMVID", run["c2"].Outputs.Single());
    }
}
