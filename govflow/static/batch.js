// 全选: the worklist's "select all" box ticks every task box of the batch form.
document.querySelectorAll("[data-check-all]").forEach(function (all) {
  all.addEventListener("change", function () {
    document.querySelectorAll('input[type=checkbox][name="' + all.dataset.checkAll + '"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });
});
