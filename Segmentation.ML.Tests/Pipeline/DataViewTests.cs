using Segmentation.ML.Data;
using Segmentation.ML.Imaging;
using Segmentation.ML.Tests.Data;

namespace Segmentation.ML.Tests.Pipeline;

public class DataViewTests
{
    private sealed class Measurement
    {
        public string Name { get; set; } = "";
        public float Value { get; set; }
        [VectorSize(3)] public float[] Features { get; set; } = [];
    }

    [Fact]
    public void RoundTripsObjectsThroughAView()
    {
        var rows = new[]
        {
            new Measurement { Name = "a", Value = 1.5f, Features = [1, 2, 3] },
            new Measurement { Name = "b", Value = -2f, Features = [4, 5, 6] },
        };
        var view = DataView.FromEnumerable(rows);
        Assert.Equal(2, view.GetRowCount());
        Assert.Equal("Vector<Single, 3>", view.Schema["Features"].Type.ToString());
        var back = view.ToEnumerable<Measurement>().ToList();
        Assert.Equal(new[] { "a", "b" }, back.Select(r => r.Name));
        Assert.Equal(new[] { 4f, 5f, 6f }, back[1].Features);
    }

    [Fact]
    public void CursorsAreLazyAndProduceOnlyRequestedColumns()
    {
        int produced = 0;
        IEnumerable<Measurement> Source()
        {
            for (int i = 0; i < 1000; i++)
            {
                produced++;
                yield return new Measurement { Name = $"row{i}", Value = i };
            }
        }
        var view = DataView.FromEnumerable(Source());
        Assert.Null(view.GetRowCount());
        Assert.Equal(0, produced);
        using var cursor = view.GetRowCursor([view.Schema["Value"]]);
        Assert.True(cursor.MoveNext());
        Assert.True(cursor.MoveNext());
        Assert.Equal(2, produced);
        Assert.False(cursor.IsColumnActive(view.Schema["Name"]));
        var inactive = Assert.Throws<SchemaException>(() => cursor.GetGetter<string>(view.Schema["Name"]));
        Assert.Contains("'Name'", inactive.Message);
    }

    [Fact]
    public void SchemaErrorsNameColumnExpectedAndActualTypes()
    {
        var view = SyntheticScenes.View(1);
        var missing = Assert.Throws<SchemaException>(() => view.Schema["Imgae"]);
        Assert.Contains("'Imgae'", missing.Message);
        Assert.Contains("Image: Image<H×W×3>", missing.Message);

        using var cursor = view.GetRowCursor(view.Schema);
        var wrong = Assert.Throws<SchemaException>(() => cursor.GetGetter<float>(view.Schema["Label"]));
        Assert.Contains("'Label' has type LabelMap<H×W, 3 classes scenes>", wrong.Message);
        Assert.Contains("GetGetter<LabelMap>", wrong.Message);

        var unmappable = Assert.Throws<SchemaException>(() => view.ToEnumerable<Measurement>().ToList());
        Assert.Contains("'Name'", unmappable.Message);
    }

    [Fact]
    public void PreviewShowsFirstRowsAsTextAndHtml()
    {
        var preview = SyntheticScenes.View(20).Preview(maxRows: 3);
        Assert.Equal(3, preview.Rows.Count);
        Assert.Equal("scene001", preview.Rows[1]["Id"]);
        Assert.Contains("RGB 40×30", preview.ToString());
        string html = preview.ToHtml();
        Assert.Equal(4, html.Split("<tr>").Length - 1);
        Assert.Contains("<th>Label<br/><small>LabelMap", html);
    }

    [SharedDataFact]
    public void CamVidViewDecodesOnlyWhatIsAsked()
    {
        var context = new SegmentationContext();
        var camvid = context.Data.LoadCamVid(SharedData.CamVid, "val");
        Assert.Equal(101, camvid.GetRowCount());
        var ids = camvid.GetColumn<string>("Id").Take(3).ToList();
        Assert.Equal(3, ids.Distinct().Count());
        var label = camvid.GetColumn<LabelMap>("Label").First();
        Assert.Equal((480, 360), (label.Width, label.Height));
        var labelType = (LabelMapDataViewType)camvid.Schema["Label"].Type;
        Assert.Equal(11, labelType.Classes.ClassCount);
        Assert.Equal((byte)11, labelType.Classes.IgnoreValue);
    }
}
