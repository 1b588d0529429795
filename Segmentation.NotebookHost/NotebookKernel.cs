using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace Segmentation.NotebookHost;

/// <summary>
/// The kernel a C# Polyglot notebook runs in, set up as the dotnet-interactive tool sets up its C# kernel: a
/// <see cref="CompositeKernel"/> around a <see cref="CSharpKernel"/> with <c>#r "nuget: …"</c> and <c>#i</c> (restored
/// assemblies become references of later cells), <c>display</c> and <c>HTML</c> in scope, value sharing and <c>#!who</c>,
/// and the extensions of restored packages loaded (<see cref="PackageExtensionLoader"/>).
/// </summary>
internal static class NotebookKernel
{
    /// <summary>A new kernel whose default subkernel is C#.</summary>
    public static CompositeKernel Create()
    {
        var csharp = new CSharpKernel()
            .UseNugetDirective((kernel, packages) =>
            {
                kernel.AddAssemblyReferences(packages.SelectMany(p => p.AssemblyPaths));
                return Task.CompletedTask;
            })
            .UseKernelHelpers()
            .UseValueSharing()
            .UseWho();
        var root = new CompositeKernel { csharp };
        root.DefaultKernelName = csharp.Name;
        PackageExtensionLoader.UseOn(root);
        return root;
    }
}
